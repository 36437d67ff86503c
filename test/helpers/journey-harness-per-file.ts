import { afterAll, beforeAll } from 'vitest';
import { closeJourneyHarness, createJourneyHarness, type JourneyHarness } from './journey-scenarios.ts';

/**
 * One journey harness (time-skipping server, workflow bundle, SMTP server) for the whole test
 * file: started before its first suite, stopped after its last. Call at the file's top level.
 */
export function useJourneyHarness(): () => JourneyHarness {
  let harness: JourneyHarness | undefined;
  beforeAll(async () => {
    harness = await createJourneyHarness();
  }, 600_000);
  afterAll(async () => {
    if (harness) await closeJourneyHarness(harness);
  });
  return () => {
    if (!harness) throw new Error('the journey harness is used before it started (outside a test or hook?)');
    return harness;
  };
}
