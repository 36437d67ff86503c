import type { ConditionExplanation } from '../rules/evaluate-rule.ts';

/**
 * A rule's evaluation as an indented tree: ✓ held, ✗ did not, · not evaluated (its siblings had
 * decided), each condition with the value it saw.
 */
export function formatExplanation(node: ConditionExplanation, indent = '  '): string {
  const mark = node.evaluated ? (node.result ? '✓' : '✗') : '·';
  if (node.kind === 'leaf') {
    const params = node.params ? `(${Object.entries(node.params).map(([key, value]) => `${key}=${String(value)}`).join(',')})` : '';
    const saw = node.evaluated ? ` — was ${formatValue(node.factValue)}` : ' — not evaluated';
    return `${indent}${mark} ${node.fact}${params}${node.path ? ` ${node.path}` : ''} ${node.operator} ${JSON.stringify(node.value)}${saw}`;
  }
  if (node.kind === 'not') return `${indent}${mark} not\n${formatExplanation(node.condition, `${indent}  `)}`;
  return [`${indent}${mark} ${node.kind}`, ...node.conditions.map((child) => formatExplanation(child, `${indent}  `))].join('\n');
}

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return 'unknown';
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}
