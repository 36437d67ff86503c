/** What a search of a parsed JSON document looks for; either test may be left out. */
export interface JsonSearch {
  /** A value that is what is sought, at `depth` (the document itself is at 0). */
  value?(value: unknown, depth: number): boolean;
  /** A key that is what is sought, given the value it holds. */
  key?(key: string, value: unknown): boolean;
}

interface Visit {
  value: unknown;
  parent: Visit | null;
  step: PropertyKey | null;
  depth: number;
}

/**
 * The steps from the root to the first place where `search` finds what it seeks, depth first in
 * document order, a node's keys before what they hold; undefined when there is none. Iterative,
 * and a step is kept once (its parent's path is not copied), so any nesting is safe.
 */
export function findInJson(root: unknown, search: JsonSearch): PropertyKey[] | undefined {
  const stack: Visit[] = [{ value: root, parent: null, step: null, depth: 0 }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const { value, depth } = visit;
    if (search.value?.(value, depth)) return stepsTo(visit);
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) continue;
    const isArray = Array.isArray(value);
    const entries = Object.entries(value);
    if (search.key && !isArray) {
      const found = entries.find(([key, item]) => search.key!(key, item));
      if (found) return [...stepsTo(visit), found[0]];
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      stack.push({ value: item, parent: visit, step: isArray ? Number(key) : key, depth: depth + 1 });
    }
  }
  return undefined;
}

function stepsTo(visit: Visit): PropertyKey[] {
  const steps: PropertyKey[] = [];
  for (let at: Visit | null = visit; at !== null && at.step !== null; at = at.parent) steps.push(at.step);
  return steps.reverse();
}
