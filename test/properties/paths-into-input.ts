import { jsonPath, pathSteps } from '../../rules/json-path.ts';
import { PAYLOAD_ROOT_PATH } from '../../ingest/sources/adapter.ts';

/*
 * Checks that an error's path names a place in the input it was about: the steps before the
 * last lead through containers that hold them, and the last is a key or index of the container
 * it ends in (present, or missing when the complaint is that it is required).
 */

export type PathStep = string | number;

/** The steps of a JSON path as rules and journeys report it, or null when the text is not one jsonPath writes. */
export function jsonPathSteps(path: string): PathStep[] | null {
  if (!path.startsWith('$')) return null;
  const steps = pathSteps(path) as PathStep[];
  // pathSteps stops quietly at the first step it cannot read; a path it did not read whole is not one.
  return jsonPath(steps) === path ? steps : null;
}

const PAYLOAD_PATH = /^(?:[^.[\]]+|\[\d+\])(?:\.[^.[\]]+|\[\d+\])*$/;
const PAYLOAD_STEP = /([^.[\]]+)|\[(\d+)\]/g;

/** The steps of a vendor payload path (`event_data.person.email`, `responses[3].score`), or null when the text is not one. */
export function payloadPathSteps(path: string): PathStep[] | null {
  if (path === PAYLOAD_ROOT_PATH) return [];
  if (!PAYLOAD_PATH.test(path)) return null;
  return Array.from(path.matchAll(PAYLOAD_STEP), ([, name, index]) => name ?? Number(index));
}

/** Whether `steps` lead into `input`: see the top of this file. The root, `[]`, always does. */
export function pointsInto(input: unknown, steps: readonly PathStep[]): boolean {
  let node = input;
  for (const [index, step] of steps.entries()) {
    const container = typeof step === 'number' ? Array.isArray(node) : isObject(node);
    if (!container) return false;
    const last = index === steps.length - 1;
    if (!Object.hasOwn(node as object, step)) return last;
    node = (node as Record<PathStep, unknown>)[step];
  }
  return true;
}

/** The value `steps` lead to in `input`, or undefined when they leave it. */
export function valueAt(input: unknown, steps: readonly PathStep[]): unknown {
  let node = input;
  for (const step of steps) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, step)) return undefined;
    node = (node as Record<PathStep, unknown>)[step];
  }
  return node;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
