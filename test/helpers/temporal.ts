import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { resolveTemporalExecutable } from '../../worker/temporal-binaries.ts';
import { npsloopSearchAttributes } from '../../journeys/search-attributes.ts';

/** The Java time-skipping test server: timers and retry backoff pass instantly. */
export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const executable = await resolveTemporalExecutable('test-server');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  // The test server knows no custom search attributes until they are added. (A default import of
  // the CommonJS proto package, so this also runs under plain tsx: npm run record-histories.)
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(npsloopSearchAttributes.map((key) => [key.name, indexedValueType(key.type)])),
  });
  return env;
}

function indexedValueType(type: string): proto.temporal.api.enums.v1.IndexedValueType {
  const { IndexedValueType } = proto.temporal.api.enums.v1;
  return type === 'INT' ? IndexedValueType.INDEXED_VALUE_TYPE_INT : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
}

/** The Temporal CLI dev server, in memory, with the search attributes our workflows set. */
export async function createDevServerEnvironment(): Promise<TestWorkflowEnvironment> {
  const executable = await resolveTemporalExecutable('cli');
  return TestWorkflowEnvironment.createLocal({
    server: { executable, searchAttributes: npsloopSearchAttributes },
  });
}

let workflowBundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * Bundles `workflows/index.ts` the first time a suite asks. Vitest gives each test file its own
 * module instance, so this is once per suite file, and tests within it share the bundle.
 */
export function bundleWorkflowsOnce(): Promise<WorkflowBundleWithSourceMap> {
  workflowBundle ??= bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
  });
  return workflowBundle;
}
