// The worker's workflows, and the no-op chain `npm run bench:journeys` measures journeys against.
export * from '../../workflows/index.ts';
export { noOpChainWorkflow } from './no-op-chain-workflow.ts';
