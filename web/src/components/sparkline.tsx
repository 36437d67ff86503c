import { npsText } from '../nps-format.ts';

const WIDTH = 96;
const HEIGHT = 24;

/** NPS per month as a line on a −100…100 scale, broken where a month has no responses. */
export function Sparkline({ values, months }: { values: Array<number | null>; months: string[] }) {
  const known = values.filter((value): value is number => value !== null);
  if (known.length === 0) return <span class="muted">—</span>;
  const step = values.length > 1 ? WIDTH / (values.length - 1) : 0;
  const y = (nps: number) => ((100 - nps) / 200) * (HEIGHT - 4) + 2;
  let path = '';
  let drawing = false;
  values.forEach((value, index) => {
    if (value === null) {
      drawing = false;
      return;
    }
    path += `${drawing ? 'L' : 'M'}${(index * step).toFixed(1)},${y(value).toFixed(1)}`;
    drawing = true;
  });
  const dots = values.flatMap((value, index) => (value === null ? [] : [{ x: index * step, y: y(value) }]));
  const description = values.map((value, index) => `${months[index] ?? ''} ${npsText(value)}`).join(', ');
  return (
    <svg class="sparkline" width={WIDTH} height={HEIGHT} viewBox={`-2 0 ${WIDTH + 4} ${HEIGHT}`} role="img" aria-label={`NPS by month: ${description}`}>
      <line x1={0} x2={WIDTH} y1={y(0)} y2={y(0)} stroke="#c9ced6" stroke-width={1} />
      <path d={path} />
      {dots.length === 1 && <circle cx={dots[0]!.x} cy={dots[0]!.y} r={2} fill="#0b57d0" />}
    </svg>
  );
}
