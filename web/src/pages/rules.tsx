import { ErrorNotice } from '../components/error-notice.tsx';
import { useApi } from '../use-api.ts';
import { RULE_KINDS, type RuleKind, type RuleSummary } from '../rule-types.ts';
import { ScrollTable } from '../components/scroll-table.tsx';

const KIND_HEADINGS: Record<RuleKind, { heading: string; about: string }> = {
  list: { heading: 'List rules', about: 'who belongs in a list (over users)' },
  health: { heading: 'Health rules', about: "what makes an account's health green, amber or red" },
  trigger: { heading: 'Trigger rules', about: 'which responses start a journey' },
};

/** Every rule, enabled or not, by kind; each opens in the editor. */
export function RulesPage() {
  const rules = useApi<{ rules: RuleSummary[]; next: string | null }>('/rules?includeDisabled=true&limit=1000');
  return (
    <>
      <h1>Rules</h1>
      {rules.error && <ErrorNotice error={rules.error} title="The rules could not be read" />}
      {rules.loading && !rules.data && <p role="status">Loading the rules…</p>}
      {rules.data &&
        RULE_KINDS.map((kind) => {
          const ofKind = rules.data!.rules.filter((rule) => rule.kind === kind);
          return (
            <section key={kind} aria-labelledby={`rules-${kind}`} class="card">
              <div class="section-heading">
                <h2 id={`rules-${kind}`}>{KIND_HEADINGS[kind].heading}</h2>
                <a class="button-link" href={`/app/rules/new/${kind}`}>
                  New {kind} rule
                </a>
              </div>
              <p class="muted">{KIND_HEADINGS[kind].about}</p>
              {ofKind.length === 0 ? (
                <p class="muted">None yet.</p>
              ) : (
                <ScrollTable label={KIND_HEADINGS[kind].heading}>
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Rule</th>
                        <th scope="col">Description</th>
                        <th scope="col">State</th>
                        <th scope="col" class="number">
                          Version
                        </th>
                        <th scope="col">Last changed</th>
                      </tr>
                    </thead>
                    <tbody>
                      {ofKind.map((rule) => (
                        <tr key={rule.name}>
                          <th scope="row">
                            <a href={`/app/rules/${encodeURIComponent(rule.name)}`}>{rule.name}</a>
                          </th>
                          <td>{(rule.definition['description'] as string | undefined) ?? <span class="muted">—</span>}</td>
                          <td>{rule.enabled ? <span class="badge colour-green">enabled</span> : <span class="badge category-none">disabled</span>}</td>
                          <td class="number">{rule.version}</td>
                          <td>
                            {new Date(rule.updatedAt).toLocaleString()} <span class="muted">by {rule.updatedBy}</span>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </ScrollTable>
              )}
            </section>
          );
        })}
      {rules.data?.next && <p class="muted">Only the first 1,000 rules are shown.</p>}
    </>
  );
}
