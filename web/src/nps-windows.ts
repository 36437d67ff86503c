// The standard NPS windows the API keeps snapshots of (nps/windows.ts's STANDARD_WINDOWS), by the keys
// its `window` parameter takes.
export const STANDARD_WINDOW_CHOICES = [
  { key: 'this_month', label: 'This month' },
  { key: 'last_month', label: 'Last month' },
  { key: 'this_quarter', label: 'This quarter' },
  { key: 'last_quarter', label: 'Last quarter' },
  { key: 'last_30_days', label: 'Last 30 days' },
  { key: 'last_90_days', label: 'Last 90 days' },
  { key: 'year_to_date', label: 'Year to date' },
] as const;
