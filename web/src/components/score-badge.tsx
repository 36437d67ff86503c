import { categoryOfScore } from '../format.ts';

/** A 0–10 score in its category's colour, with the category in words for those who cannot see it. */
export function ScoreBadge({ score, large = false }: { score: number; large?: boolean }) {
  const category = categoryOfScore(score);
  return (
    <span class={`badge score-badge category-${category}${large ? ' score-badge-large' : ''}`} title={category}>
      {score}
      <span class="visually-hidden">, {category}</span>
    </span>
  );
}
