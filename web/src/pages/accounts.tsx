import { useMemo, useRef, useState } from 'preact/hooks';
import { query } from '../api.ts';
import type { AccountNpsGrid, AccountRef, Figures, HealthColour } from '../account-nps.ts';
import { ErrorNotice } from '../components/error-notice.tsx';
import { Sparkline } from '../components/sparkline.tsx';
import { useVirtualRows } from '../components/virtual-rows.ts';
import { formatDate, formatMargin } from '../format.ts';
import { npsText } from '../nps-format.ts';
import { useAllPages } from '../load-all-pages.ts';
import { STANDARD_WINDOW_CHOICES } from '../nps-windows.ts';
import { useApi } from '../use-api.ts';
import '../csm.css';

type Row = { account: AccountRef; health: HealthColour[] } & Figures;
type SortKey = 'name' | 'csm' | 'segment' | 'nps' | 'n' | 'margin';
type Direction = 'ascending' | 'descending';

/** GET /accounts/nps/trend: each account's NPS per month, for the sparklines. */
interface AccountsTrend {
  months: Array<{ key: string; label: string }>;
  accounts: Array<{ accountId: number; nps: Array<number | null>; n: number[] }>;
}

// The API gives up to 5,000 accounts a page: most books arrive in one answer.
const PAGE = 5_000;
const ROW_HEIGHT = 40;
const TREND_MONTHS = 6;

// `wide`: shown only when the screen has room (a phone sees account, NPS, n, margin and trend).
const COLUMNS: Array<{ key: SortKey | null; label: string; number?: boolean; wide?: boolean }> = [
  { key: 'name', label: 'Account' },
  { key: 'csm', label: 'CSM', wide: true },
  { key: 'segment', label: 'Segment', wide: true },
  { key: 'nps', label: 'NPS', number: true },
  { key: 'n', label: 'n', number: true },
  { key: 'margin', label: '± margin', number: true },
  { key: null, label: 'Trend' },
  { key: null, label: 'Health', wide: true },
  { key: null, label: 'Last answer', wide: true },
];

const text = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** Orders rows by a column; accounts without a figure go last whichever way, then by name. */
function compareRows(key: SortKey, direction: Direction): (a: Row, b: Row) => number {
  const sign = direction === 'ascending' ? 1 : -1;
  const byName = (a: Row, b: Row) => text.compare(a.account.name, b.account.name) || a.account.id - b.account.id;
  const value = (row: Row): string | number | null => {
    switch (key) {
      case 'name':
        return row.account.name;
      case 'csm':
        return row.account.csm?.name ?? null;
      case 'segment':
        return row.account.segment;
      case 'nps':
        return row.nps;
      case 'n':
        return row.total;
      case 'margin':
        return row.marginOfError;
    }
  };
  return (a, b) => {
    const left = value(a);
    const right = value(b);
    if (left === null || right === null) return left === right ? byName(a, b) : left === null ? 1 : -1;
    const order = typeof left === 'number' && typeof right === 'number' ? left - right : text.compare(String(left), String(right));
    return sign * order || byName(a, b);
  };
}

/** Every account the person sees, with its NPS in a chosen window, filtered, searched and sorted in the browser. */
export function AccountsPage() {
  const [windowKey, setWindowKey] = useState('this_quarter');
  const [csm, setCsm] = useState('');
  const [segment, setSegment] = useState('');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; direction: Direction }>({ key: 'name', direction: 'ascending' });

  const grid = useAllPages<AccountNpsGrid, Row>(
    windowKey,
    PAGE,
    (offset, limit) => `/accounts/nps${query({ window: windowKey, sort: 'name', limit, offset })}`,
    (page) => page.accounts,
    (page) => page.page.total,
  );
  const trend = useApi<AccountsTrend>(`/accounts/nps/trend${query({ months: TREND_MONTHS })}`);
  const trendById = useMemo(() => new Map((trend.data?.accounts ?? []).map((row) => [row.accountId, row.nps])), [trend.data]);
  const monthLabels = trend.data?.months.map((month) => month.label) ?? [];

  const rows = grid.items;
  const csms = useMemo(() => {
    const byId = new Map<number, NonNullable<AccountRef['csm']>>();
    for (const row of rows ?? []) if (row.account.csm) byId.set(row.account.csm.id, row.account.csm);
    return [...byId.values()].sort((a, b) => text.compare(a.name, b.name));
  }, [rows]);
  const segments = useMemo(() => [...new Set((rows ?? []).flatMap((row) => (row.account.segment ? [row.account.segment] : [])))].sort(text.compare), [rows]);

  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (rows ?? [])
      .filter(
        (row) =>
          (csm === '' || String(row.account.csm?.id ?? '') === csm) &&
          (segment === '' || row.account.segment === segment) &&
          (needle === '' ||
            row.account.name.toLowerCase().includes(needle) ||
            row.account.externalId.toLowerCase().includes(needle) ||
            (row.account.csm?.name.toLowerCase().includes(needle) ?? false)),
      )
      .sort(compareRows(sort.key, sort.direction));
  }, [rows, csm, segment, search, sort]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualRows(shown.length, ROW_HEIGHT, () => scrollRef.current);

  function sortBy(key: SortKey) {
    setSort((current) =>
      current.key === key
        ? { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' }
        : { key, direction: key === 'nps' || key === 'n' ? 'descending' : 'ascending' },
    );
    scrollRef.current?.scrollTo({ top: 0 });
  }

  const windowLabel = STANDARD_WINDOW_CHOICES.find((choice) => choice.key === windowKey)?.label ?? windowKey;
  return (
    <>
      <h1>Accounts</h1>
      <div class="toolbar" role="search" aria-label="Accounts">
        <div>
          <label for="accounts-window">Window</label>
          <select id="accounts-window" value={windowKey} onChange={(event) => setWindowKey(event.currentTarget.value)}>
            {STANDARD_WINDOW_CHOICES.map((choice) => (
              <option key={choice.key} value={choice.key}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="accounts-csm">CSM</label>
          <select id="accounts-csm" value={csm} onChange={(event) => setCsm(event.currentTarget.value)}>
            <option value="">Every CSM</option>
            {csms.map((option) => (
              <option key={option.id} value={String(option.id)}>
                {option.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="accounts-segment">Segment</label>
          <select id="accounts-segment" value={segment} onChange={(event) => setSegment(event.currentTarget.value)}>
            <option value="">Every segment</option>
            {segments.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="accounts-search">Search accounts</label>
          <input id="accounts-search" type="search" value={search} placeholder="Name, external id or CSM" onInput={(event) => setSearch(event.currentTarget.value)} />
        </div>
      </div>
      {grid.error && <ErrorNotice error={grid.error} title="The accounts could not be loaded" />}
      {trend.error && <ErrorNotice error={trend.error} title="The trend sparklines could not be loaded" />}
      {!rows && !grid.error && (
        <p class="muted" role="status">
          Loading accounts…
        </p>
      )}
      {rows && (
        <>
          <p class="muted" aria-live="polite">
            {shown.length === rows.length ? `${rows.length} accounts` : `${shown.length} of ${rows.length} accounts`}, NPS over {windowLabel}
            {grid.loading ? ' (loading the rest…)' : ''}. NPS is shown rounded with its 95% margin; — means no responses in the window.
          </p>
          <div class="grid-wrap">
            <div class="grid-scroll" ref={scrollRef} tabIndex={0} aria-label="Accounts table, scrollable">
              <div class="account-grid" role="table" aria-label={`Accounts, NPS over ${windowLabel}`} aria-rowcount={shown.length + 1}>
                <div role="rowgroup">
                  <div class="header-row" role="row" aria-rowindex={1}>
                    {COLUMNS.map((column) => {
                      const sorted = column.key !== null && sort.key === column.key;
                      return (
                        <div
                          key={column.label}
                          role="columnheader"
                          class={[column.number ? 'number' : '', column.wide ? 'wide-only' : ''].join(' ').trim() || undefined}
                          aria-sort={column.key === null ? undefined : sorted ? sort.direction : 'none'}
                        >
                          {column.key === null ? (
                            column.label
                          ) : (
                            <button type="button" class="sort-button" onClick={() => sortBy(column.key!)}>
                              {column.label}
                              <span aria-hidden="true">{sorted ? (sort.direction === 'ascending' ? '▲' : '▼') : '↕'}</span>
                            </button>
                          )}
                        </div>
                      );
                    })}
                  </div>
                </div>
                <div role="rowgroup" style={{ height: `${virtual.totalHeight}px`, position: 'relative' }}>
                  {virtual.rows.map((item) => {
                    const row = shown[item.index]!;
                    return (
                      <div
                        key={row.account.id}
                        role="row"
                        aria-rowindex={item.index + 2}
                        style={{ position: 'absolute', top: 0, left: 0, right: 0, height: `${ROW_HEIGHT}px`, transform: `translateY(${item.start}px)` }}
                      >
                        <div role="cell">
                          <a href={`/app/accounts/${row.account.id}`}>{row.account.name}</a>
                        </div>
                        <div role="cell" class="wide-only">{row.account.csm?.name ?? <span class="muted">no owner</span>}</div>
                        <div role="cell" class="wide-only">{row.account.segment ?? '—'}</div>
                        <div role="cell" class="number">
                          {row.nps === null ? <span title="no responses in this window">—</span> : npsText(row.nps)}
                        </div>
                        <div role="cell" class="number">
                          {row.total}
                        </div>
                        <div role="cell" class="number">
                          {formatMargin(row.marginOfError) || '—'}
                        </div>
                        <div role="cell">
                          <Sparkline values={trendById.get(row.account.id) ?? []} months={monthLabels} />
                        </div>
                        <div role="cell" class="wide-only">
                          {row.health.length === 0 ? (
                            <span class="muted">—</span>
                          ) : (
                            <span class="health-dots">
                              {row.health.map((health) => (
                                <span key={health.dimension} class={`badge colour-${health.colour}`} title={`${health.dimension}: ${health.colour}`}>
                                  {health.dimension.slice(0, 3)} {health.colour}
                                </span>
                              ))}
                            </span>
                          )}
                        </div>
                        <div role="cell" class="wide-only">{formatDate(row.lastResponseAt)}</div>
                      </div>
                    );
                  })}
                </div>
              </div>
            </div>
          </div>
        </>
      )}
    </>
  );
}
