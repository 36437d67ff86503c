import type fc from 'fast-check';

/**
 * fast-check's parameters for a property checked on `numRuns` inputs. Seeds are random; a failure
 * prints its seed and path, and FC_SEED and FC_PATH replay it without editing the test:
 * `FC_SEED=-1234 FC_PATH="7:1:0" npx vitest run test/properties/adapters.test.ts`.
 */
export function propertyRuns<Ts>(numRuns: number): fc.Parameters<Ts> {
  const seed = process.env.FC_SEED;
  const path = process.env.FC_PATH;
  return { numRuns, ...(seed ? { seed: Number(seed) } : {}), ...(path ? { path, endOnFailure: true } : {}) };
}
