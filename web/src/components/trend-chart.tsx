import { formatMargin } from '../format.ts';
import { npsText } from '../nps-format.ts';

export interface TrendPoint {
  label: string;
  nps: number | null;
  marginOfError: number | null;
  n: number;
}

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 36, right: 12, top: 12, bottom: 28 };

/**
 * Monthly NPS as a line with its 95% margin as a band, on −100…100; a month without responses
 * breaks both. Small enough to be inline SVG; the figures are also in the table beside it.
 */
export function TrendChart({ points, label }: { points: TrendPoint[]; label: string }) {
  const innerWidth = WIDTH - PAD.left - PAD.right;
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + (points.length > 1 ? (index / (points.length - 1)) * innerWidth : innerWidth / 2);
  const y = (nps: number) => PAD.top + ((100 - Math.max(-100, Math.min(100, nps))) / 200) * innerHeight;

  // Runs of consecutive months with a figure: each is one line and one band.
  const runs: Array<Array<{ index: number; point: TrendPoint & { nps: number } }>> = [];
  points.forEach((point, index) => {
    if (point.nps === null) return runs.push([]);
    if (runs.length === 0) runs.push([]);
    runs[runs.length - 1]!.push({ index, point: point as TrendPoint & { nps: number } });
  });

  return (
    <svg class="trend-chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label} preserveAspectRatio="xMidYMid meet">
      {[-100, -50, 0, 50, 100].map((tick) => (
        <g key={tick}>
          <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} stroke={tick === 0 ? '#8a929c' : '#e1e5ea'} stroke-width={1} />
          <text x={PAD.left - 6} y={y(tick) + 4} text-anchor="end" font-size="11" fill="#4d5560">
            {tick}
          </text>
        </g>
      ))}
      {points.map((point, index) => (
        <text key={point.label} x={x(index)} y={HEIGHT - 8} text-anchor="middle" font-size="11" fill="#4d5560">
          {point.label.split(' ')[0]}
        </text>
      ))}
      {runs
        .filter((run) => run.length > 0)
        .map((run) => {
          const upper = run.map(({ index, point }) => `${x(index)},${y(point.nps + (point.marginOfError ?? 0))}`);
          const lower = run.map(({ index, point }) => `${x(index)},${y(point.nps - (point.marginOfError ?? 0))}`).reverse();
          const line = run.map(({ index, point }, position) => `${position === 0 ? 'M' : 'L'}${x(index)},${y(point.nps)}`).join('');
          return (
            <g key={run[0]!.index}>
              <polygon points={[...upper, ...lower].join(' ')} fill="#0b57d0" fill-opacity={0.14} />
              <path d={line} fill="none" stroke="#0b57d0" stroke-width={2} />
              {run.map(({ index, point }) => (
                <circle key={index} cx={x(index)} cy={y(point.nps)} r={3.5} fill="#0b57d0">
                  <title>{`${point.label}: ${npsText(point.nps)} ${formatMargin(point.marginOfError)} (n ${point.n})`}</title>
                </circle>
              ))}
            </g>
          );
        })}
    </svg>
  );
}
