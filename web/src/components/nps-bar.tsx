/** Promoters, passives and detractors as one bar, each part as wide as its share, with the counts in words. */
export function NpsBar({ promoters, passives, detractors }: { promoters: number; passives: number; detractors: number }) {
  const total = promoters + passives + detractors;
  const words = `${promoters} promoters, ${passives} passives, ${detractors} detractors`;
  if (total === 0) return <span class="muted">no responses</span>;
  const parts = [
    { count: promoters, className: 'category-promoter', name: 'promoters' },
    { count: passives, className: 'category-passive', name: 'passives' },
    { count: detractors, className: 'category-detractor', name: 'detractors' },
  ];
  return (
    <div class="stacked-bar" role="img" aria-label={words} title={words}>
      {parts.map((part) =>
        part.count === 0 ? null : (
          <span key={part.name} class={part.className} style={{ width: `${(part.count / total) * 100}%` }}>
            {part.count}
          </span>
        ),
      )}
    </div>
  );
}
