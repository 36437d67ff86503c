// Why a rule held or not, condition by condition: json-rules-engine's explanation as the API sends it
// (rules/evaluate-rule.ts's ConditionExplanation), with the value each condition saw.
import './condition-explanation.css';

export type ConditionExplanation =
  | { kind: 'all' | 'any'; evaluated: boolean; result?: boolean; conditions: ConditionExplanation[] }
  | { kind: 'not'; evaluated: boolean; result?: boolean; condition: ConditionExplanation }
  | { kind: 'leaf'; evaluated: boolean; result?: boolean; fact: string; path?: string; params?: Record<string, unknown>; operator: string; value: unknown; factValue?: unknown };

function outcome(explanation: ConditionExplanation) {
  if (!explanation.evaluated) return <span class="badge category-none">not evaluated</span>;
  return explanation.result ? <span class="badge colour-green">✓ holds</span> : <span class="badge colour-red">✗ does not hold</span>;
}

const show = (value: unknown) => (value === undefined || value === null ? 'unknown' : JSON.stringify(value));

/** The condition tree as nested lists: each group with its outcome, each leaf with the value it saw. */
export function ConditionExplanationTree({ explanation }: { explanation: ConditionExplanation }) {
  return (
    <ul class="explanation-tree">
      <ExplanationNode explanation={explanation} />
    </ul>
  );
}

function ExplanationNode({ explanation }: { explanation: ConditionExplanation }) {
  if (explanation.kind === 'leaf') {
    const params = explanation.params && Object.keys(explanation.params).length > 0 ? ` ${JSON.stringify(explanation.params)}` : '';
    return (
      <li>
        {outcome(explanation)} <code>{explanation.fact}{explanation.path ?? ''}{params}</code> {explanation.operator} <code>{show(explanation.value)}</code>
        {explanation.evaluated && <span class="muted"> — saw <code>{show(explanation.factValue)}</code></span>}
      </li>
    );
  }
  if (explanation.kind === 'not') {
    return (
      <li>
        {outcome(explanation)} <strong>not</strong>
        <ul>
          <ExplanationNode explanation={explanation.condition} />
        </ul>
      </li>
    );
  }
  return (
    <li>
      {outcome(explanation)} <strong>{explanation.kind === 'all' ? 'all of' : 'any of'}</strong>
      <ul>
        {explanation.conditions.map((condition, index) => (
          <ExplanationNode key={index} explanation={condition} />
        ))}
      </ul>
    </li>
  );
}
