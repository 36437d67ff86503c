import { distance } from 'fastest-levenshtein';

/**
 * The known name `name` is most likely a typo of, for a "did you mean": the closest by edit
 * distance, ignoring case (lessthan → lessThan), and only when it is within a third of the
 * name's length (at least one edit), so an unrelated name suggests nothing.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const typed = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const edits = distance(typed, candidate.toLowerCase());
    if (best === undefined || edits < best.distance) best = { name: candidate, distance: edits };
  }
  return best !== undefined && best.distance <= Math.max(1, Math.floor(name.length / 3)) ? best.name : undefined;
}
