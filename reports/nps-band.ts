/**
 * How an NPS figure reads at a glance, for colouring tables and charts: below 0 more detractors
 * than promoters (red), 0 to 29 positive (amber), 30 and above strong (green). A rule of thumb
 * for display only; goals are what say whether a figure is good enough.
 */
export type NpsBand = 'red' | 'amber' | 'green';

export function npsBand(nps: number): NpsBand {
  if (nps < 0) return 'red';
  return nps < 30 ? 'amber' : 'green';
}
