import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTemporalExecutable } from '../../worker/temporal-binaries.ts';
import { npsloopSearchAttributes } from '../../journeys/search-attributes.ts';

/**
 * The Temporal CLI dev server (in memory), with the search attributes npsloop's workflows set,
 * for benchmarks: the same server the end-to-end test starts, without importing test code.
 */
export async function startDevServer(): Promise<TestWorkflowEnvironment> {
  const executable = await resolveTemporalExecutable('cli');
  return TestWorkflowEnvironment.createLocal({
    server: { executable, searchAttributes: npsloopSearchAttributes },
  });
}
