export { responseReceivedWorkflow } from './response-received.ts';
