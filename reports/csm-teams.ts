/** A CSM's place in the reporting chain. */
export interface ChainLink {
  id: number;
  managerId: number | null;
}

/**
 * Everyone under a CSM at any depth, the CSM included. A chain that loops back on itself (A
 * manages B, B manages A) stops where it repeats instead of running forever.
 */
export function teamOf(links: readonly ChainLink[], managerId: number): number[] {
  const reports = reportsByManager(links);
  const members = new Set<number>([managerId]);
  const queue = [managerId];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const report of reports.get(next) ?? []) {
      if (members.has(report)) continue;
      members.add(report);
      queue.push(report);
    }
  }
  return [...members].sort((a, b) => a - b);
}

/** Every team: each CSM somebody reports to, with its members (itself included). */
export function teamsOf(links: readonly ChainLink[]): Map<number, number[]> {
  const reports = reportsByManager(links);
  return new Map([...reports.keys()].sort((a, b) => a - b).map((managerId) => [managerId, teamOf(links, managerId)]));
}

function reportsByManager(links: readonly ChainLink[]): Map<number, number[]> {
  const reports = new Map<number, number[]>();
  for (const { id, managerId } of links) {
    if (managerId === null || managerId === id) continue;
    reports.set(managerId, [...(reports.get(managerId) ?? []), id]);
  }
  return reports;
}
