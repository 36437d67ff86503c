import { formatMargin } from '../format.ts';
import { npsText } from '../nps-format.ts';

/** NPS rounded, with its margin and n; "—" with why when there is no figure. */
export function NpsFigure({ nps, margin, n, big = false }: { nps: number | null; margin: number | null; n: number; big?: boolean }) {
  if (nps === null) {
    return (
      <span>
        <span class={big ? 'nps-big' : undefined}>—</span> <span class="muted">no responses</span>
      </span>
    );
  }
  return (
    <span>
      <span class={big ? 'nps-big' : undefined}>{npsText(nps)}</span> <span class="muted">{formatMargin(margin)} · n {n}</span>
    </span>
  );
}
