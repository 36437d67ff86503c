import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { npsText } from '../nps-format.ts';
import { ErrorNotice } from './error-notice.tsx';
import type { TrendPoint } from './nps-trend-chart.ts';
import './trend-chart.css';

/**
 * NPS over periods with its 95% margin as a band (uPlot, loaded when first shown), its figures in
 * words for screen readers, and a PNG download. The reports page and an account's Trend tab share it.
 */
export function TrendChart({ title, points }: { title: string; points: TrendPoint[] }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [module, setModule] = useState<typeof import('../components/nps-trend-chart.ts') | null>(null);
  useEffect(() => {
    import('../components/nps-trend-chart.ts').then(setModule, (failure: unknown) => setError(failure as Error));
  }, []);
  const pointsKey = JSON.stringify(points);
  useEffect(() => {
    if (!module || !container.current) return;
    chart.current = module.mountTrendChart(container.current, points);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [module, pointsKey]);

  async function downloadPng() {
    if (!module || !chart.current) return;
    const blob = await module.chartPng(chart.current, title);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'nps-trend.png';
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  const described = points.map((point) => `${point.label}: ${point.nps === null ? 'no responses' : `${npsText(point.nps)} (n ${point.n})`}`).join('; ');
  return (
    <figure class="trend-figure">
      <figcaption>{title}</figcaption>
      {error && <ErrorNotice error={error} title="The chart could not be loaded" />}
      <div ref={container} class="trend-chart" role="img" aria-label={`${title}. ${described}`}>
        {!module && !error && <p class="muted">Loading the chart…</p>}
      </div>
      <button type="button" class="secondary" onClick={downloadPng} disabled={!module}>
        Download chart as PNG
      </button>
    </figure>
  );
}
