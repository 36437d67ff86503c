import { afterEach, beforeEach, expect } from 'vitest';

/**
 * Fails each test of the suite in which an exception goes uncaught or a rejection unhandled:
 * an 'error' event nobody listens to, say, which would have crashed a real process.
 */
export function failOnUncaughtErrors(): void {
  let caught: unknown[] = [];
  const record = (error: unknown) => {
    caught.push(error);
  };
  beforeEach(() => {
    caught = [];
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  });
  afterEach(() => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
    expect(caught.map((error) => (error instanceof Error ? error.message : String(error))), 'uncaught exceptions and unhandled rejections').toEqual([]);
  });
}
