// The NPS trend with its 95% margin as a band, drawn by uPlot on a canvas. Loaded on demand (import())
// so a page's first load does not carry the chart library.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface TrendPoint {
  label: string;
  nps: number | null;
  marginOfError: number | null;
  n: number;
}

const ACCENT = '#0b57d0';
const BAND = 'rgba(11, 87, 208, 0.16)';
const HEIGHT = 280;

const clamp = (value: number) => Math.max(-100, Math.min(100, value));

/** Draws the trend into `container`, as wide as it is; returns the chart (destroy() it when done). */
export function mountTrendChart(container: HTMLElement, points: TrendPoint[]): uPlot {
  const labels = points.map((point) => point.label);
  const data: uPlot.AlignedData = [
    points.map((_, index) => index),
    points.map((point) => (point.nps === null || point.marginOfError === null ? null : clamp(point.nps + point.marginOfError))),
    points.map((point) => (point.nps === null || point.marginOfError === null ? null : clamp(point.nps - point.marginOfError))),
    points.map((point) => point.nps),
  ];
  const options: uPlot.Options = {
    width: Math.max(280, container.clientWidth),
    height: HEIGHT,
    scales: { x: { time: false, range: [-0.5, Math.max(0.5, points.length - 0.5)] }, y: { range: [-100, 100] } },
    axes: [
      {
        incrs: [1, 2, 3, 4, 6, 12, 24, 52],
        space: 64,
        values: (_chart, splits) => splits.map((split) => (Number.isInteger(split) ? (labels[split] ?? '') : '')),
      },
      { label: 'NPS', values: (_chart, splits) => splits.map((split) => String(split).replace('-', '−')) },
    ],
    series: [
      { label: 'Period', value: (_chart, index) => (index === null ? '' : (labels[index] ?? '')) },
      { label: 'Upper 95%', stroke: 'rgba(11, 87, 208, 0.35)', width: 1, points: { show: false }, value: figure },
      { label: 'Lower 95%', stroke: 'rgba(11, 87, 208, 0.35)', width: 1, points: { show: false }, value: figure },
      { label: 'NPS', stroke: ACCENT, width: 2, points: { show: true, size: 7, fill: ACCENT }, value: figure },
    ],
    bands: [{ series: [1, 2], fill: BAND }],
  };
  const chart = new uPlot(options, data, container);
  const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(280, container.clientWidth), height: HEIGHT }));
  resize.observe(container);
  const destroy = chart.destroy.bind(chart);
  chart.destroy = () => {
    resize.disconnect();
    destroy();
  };
  return chart;
}

function figure(_chart: uPlot, value: number | null): string {
  return value === null ? '—' : String(Math.round(value * 10) / 10).replace('-', '−');
}

/** The chart as a PNG on white, with its title, for a slide or an email. */
export function chartPng(chart: uPlot, title: string): Promise<Blob> {
  const source = chart.ctx.canvas;
  const titleHeight = 36 * devicePixelRatio;
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height + titleHeight;
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#1b1f24';
  context.font = `600 ${16 * devicePixelRatio}px system-ui, sans-serif`;
  context.fillText(title, 12 * devicePixelRatio, 24 * devicePixelRatio);
  context.drawImage(source, 0, titleHeight);
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the chart could not be made into a PNG'))), 'image/png'));
}
