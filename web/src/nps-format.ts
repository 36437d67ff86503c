// How NPS figures read on every page: rounded as the API's own text rounds them, with the colour band
// of the figure. The API sends NPS unrounded; this is the one place the web app rounds it.

/** One decimal, halves away from zero, never "-0" (as npsloop's terminal tables and emails round). */
export function roundNps(value: number): number {
  const rounded = (Math.sign(value) * Math.round(Math.abs(value) * 10)) / 10;
  return rounded === 0 ? 0 : rounded;
}

/** An NPS as text with a real minus sign; null (no responses) is "—". */
export function npsText(value: number | null): string {
  if (value === null) return '—';
  return String(roundNps(value)).replace('-', '−');
}

/** A change in points with its sign: "+12.5", "−3". */
export function pointsText(value: number): string {
  const rounded = roundNps(value);
  return rounded > 0 ? `+${rounded}` : String(rounded).replace('-', '−');
}

export type NpsBand = 'promoter' | 'passive' | 'detractor' | 'none';

/** The colour bands of an NPS figure, as the legends say them. */
export const NPS_BANDS: ReadonlyArray<{ band: NpsBand; label: string }> = [
  { band: 'promoter', label: 'NPS 30 or more' },
  { band: 'passive', label: 'NPS 0 to under 30' },
  { band: 'detractor', label: 'NPS below 0' },
  { band: 'none', label: 'no responses' },
];

export function npsBandOf(value: number | null): NpsBand {
  if (value === null) return 'none';
  const rounded = roundNps(value);
  if (rounded >= 30) return 'promoter';
  return rounded >= 0 ? 'passive' : 'detractor';
}
