import { useLocation, useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { ApiRequestError, apiRequest, query } from '../api.ts';
import { ConditionExplanationTree, type ConditionExplanation } from '../components/condition-explanation.tsx';
import { ErrorNotice } from '../components/error-notice.tsx';
import { type DocumentIssue, type EditorProblems, JsonDocumentEditor } from '../components/json-editor/json-document-editor.tsx';
import { VersionHistory } from '../components/version-history.tsx';
import { RULE_KINDS, type RuleChange, type RuleKind, type RuleSummary, type RuleVersion } from '../rule-types.ts';
import { useApi } from '../use-api.ts';
import './rule.css';
import { ScrollTable } from '../components/scroll-table.tsx';

/** What a new rule of each kind starts from: a valid example to change. */
const NEW_RULE_TEMPLATES: Record<RuleKind, Record<string, unknown>> = {
  list: {
    kind: 'list',
    name: 'new-list',
    description: 'Users who answered 0-6 in the last 30 days',
    conditions: { all: [{ fact: 'latestScore', operator: 'lessThan', value: 7 }, { fact: 'latestRespondedAt', operator: 'inLastDays', value: 30 }] },
  },
  health: {
    kind: 'health',
    name: 'new-health',
    description: 'Relationship health from NPS',
    dimension: 'relationship',
    criteria: [
      { colour: 'red', reason: 'NPS over the last 90 days is below 0', conditions: { all: [{ fact: 'nps', params: { window: 'last_90_days' }, operator: 'lessThan', value: 0 }] } },
      { colour: 'green', reason: 'No warning signs in NPS' },
    ],
  },
  trigger: {
    kind: 'trigger',
    name: 'new-trigger',
    description: 'A detractor responded',
    conditions: { all: [{ fact: 'category', operator: 'equal', value: 'detractor' }] },
  },
};

const pretty = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;

/** Validation as the editor needs it: POST /rules/validate answers the issues, each at its JSON path. */
async function validateRule(document: unknown): Promise<DocumentIssue[]> {
  const answer = await apiRequest<{ valid: boolean; issues: DocumentIssue[] }>('/rules/validate', { method: 'POST', body: document });
  return answer.issues;
}

function kindOf(text: string): RuleKind | undefined {
  try {
    const kind = (JSON.parse(text) as { kind?: unknown }).kind;
    return RULE_KINDS.find((known) => known === kind);
  } catch {
    return undefined;
  }
}

/** A new rule: its JSON from a template of its kind, checked as it is typed, saved with POST /rules. */
export function NewRulePage() {
  const kind = useRoute().params.kind;
  const ruleKind = RULE_KINDS.find((known) => known === kind) ?? 'list';
  return <RuleEditor key={ruleKind} kind={ruleKind} existing={null} initialText={pretty(NEW_RULE_TEMPLATES[ruleKind])} onSaved={() => undefined} />;
}

/** One rule: its JSON in the editor, dry run, save as a new version, enable or disable, and its history with diffs. */
export function RulePage() {
  const ruleName = useRoute().params.name ?? '';
  const loaded = useApi<{ rule: RuleSummary; history: RuleVersion[] }>(`/rules/${encodeURIComponent(ruleName)}`);
  // The editor starts from the text read when the page opened (or when asked to load the latest);
  // reading the rule again after a save keeps what is in the editor.
  const [seed, setSeed] = useState<{ version: number; text: string } | null>(null);
  useEffect(() => {
    if (loaded.data && seed === null) setSeed({ version: loaded.data.rule.version, text: pretty(loaded.data.rule.definition) });
  }, [loaded.data, seed]);

  if (loaded.error) return (<><h1>Rule {ruleName}</h1><ErrorNotice error={loaded.error} title="The rule could not be read" /></>);
  if (!loaded.data || !seed) return <p role="status">Loading the rule…</p>;
  return (
    <RuleEditor
      key={`${ruleName}-${seed.version}-${seed.text.length}`}
      kind={loaded.data.rule.kind}
      existing={loaded.data}
      initialText={seed.text}
      onSaved={loaded.reload}
      onLoadLatest={() => {
        setSeed(null);
        loaded.reload();
      }}
    />
  );
}

interface EditorProps {
  kind: RuleKind;
  existing: { rule: RuleSummary; history: RuleVersion[] } | null;
  initialText: string;
  onSaved: () => void;
  onLoadLatest?: () => void;
}

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; change: RuleChange } | { kind: 'failed'; error: Error };

function RuleEditor({ kind, existing, initialText, onSaved, onLoadLatest }: EditorProps) {
  const { route } = useLocation();
  const [text, setText] = useState(initialText);
  const [problems, setProblems] = useState<EditorProblems | null>(null);
  const [note, setNote] = useState('');
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const [dryRunUser, setDryRunUser] = useState('');
  const [dryRun, setDryRun] = useState<{ kind: 'idle' } | { kind: 'running' } | { kind: 'done'; result: DryRunResult } | { kind: 'failed'; error: Error }>({ kind: 'idle' });
  const rule = existing?.rule;
  // The version the edit was made from: the one read, until this page saves a newer one.
  const [baseVersion, setBaseVersion] = useState(rule?.version);
  useEffect(() => setBaseVersion((current) => Math.max(current ?? 0, rule?.version ?? 0) || undefined), [rule?.version]);

  const valid = problems !== null && problems.text === text && problems.syntax.length === 0 && problems.issues.length === 0 && problems.error === null;
  const editedKind = kindOf(text) ?? kind;

  async function runDryRun() {
    setDryRun({ kind: 'running' });
    try {
      const document = JSON.parse(text) as unknown;
      const params = query({ limit: 25, user: editedKind === 'trigger' ? dryRunUser.trim() : undefined });
      setDryRun({ kind: 'done', result: await apiRequest<DryRunResult>(`/rules/dry-run${params}`, { method: 'POST', body: document }) });
    } catch (error) {
      setDryRun({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  async function saveRule(event: Event) {
    event.preventDefault();
    setSave({ kind: 'saving' });
    try {
      const document = JSON.parse(text) as Record<string, unknown>;
      const body = { ...document, ...(note.trim() ? { note: note.trim() } : {}) };
      const change = rule
        ? await apiRequest<RuleChange>(`/rules/${encodeURIComponent(rule.name)}`, { method: 'PUT', body, headers: { 'if-match': `"${baseVersion}"` } })
        : await apiRequest<RuleChange>('/rules', { method: 'POST', body });
      setSave({ kind: 'saved', change });
      setNote('');
      setBaseVersion(change.rule.version);
      if (!rule || change.rule.name !== rule.name) route(`/app/rules/${encodeURIComponent(change.rule.name)}`);
      else onSaved();
    } catch (error) {
      setSave({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  async function setEnabled(enabled: boolean) {
    if (!rule) return;
    setSave({ kind: 'saving' });
    try {
      const change = await apiRequest<RuleChange>(`/rules/${encodeURIComponent(rule.name)}/${enabled ? 'enable' : 'disable'}`, {
        method: 'POST',
        headers: { 'if-match': `"${baseVersion}"` },
        ...(note.trim() ? { body: { note: note.trim() } } : {}),
      });
      setSave({ kind: 'saved', change });
      setNote('');
      setBaseVersion(change.rule.version);
      onSaved();
    } catch (error) {
      setSave({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  const conflict = save.kind === 'failed' && save.error instanceof ApiRequestError && save.error.code === 'version_conflict';
  return (
    <>
      <p>
        <a href="/app/rules">← Rules</a>
      </p>
      <h1>{rule ? `Rule ${rule.name}` : `New ${kind} rule`}</h1>
      {rule && (
        <p class="rule-state">
          <span class={`badge ${rule.enabled ? 'colour-green' : 'category-none'}`}>{rule.enabled ? 'enabled' : 'disabled'}</span>{' '}
          <span class="muted">
            {rule.kind} rule, version {rule.version}, last changed {new Date(rule.updatedAt).toLocaleString()} by {rule.updatedBy}
          </span>
          {rule.kind === 'list' && (
            <>
              {' '}
              · <a href={`/app/lists?list=${encodeURIComponent(rule.name)}`}>Members of this list</a>
            </>
          )}
        </p>
      )}
      <form onSubmit={saveRule} aria-label={rule ? `Edit rule ${rule.name}` : 'New rule'}>
        <JsonDocumentEditor
          label="Rule JSON"
          initialText={initialText}
          validate={validateRule}
          schemaPath={`/rules/schema${query({ kind: editedKind })}`}
          onTextChange={setText}
          onProblemsChange={setProblems}
          actions={
            <>
              <button type="button" class="secondary" onClick={runDryRun} disabled={dryRun.kind === 'running' || !valid}>
                Dry run
              </button>
              {editedKind === 'trigger' && (
                <span class="inline-field">
                  <label for="dry-run-user">Try on the latest response of</label>
                  <input id="dry-run-user" type="email" placeholder="user email" value={dryRunUser} onInput={(event) => setDryRunUser(event.currentTarget.value)} />
                </span>
              )}
            </>
          }
        />
        <div class="toolbar save-bar">
          <div class="note-field">
            <label for="rule-note">Note</label>
            <input id="rule-note" type="text" maxLength={1000} placeholder="why, kept in the history" value={note} onInput={(event) => setNote(event.currentTarget.value)} />
          </div>
          <button type="submit" disabled={save.kind === 'saving' || !valid}>
            Save
          </button>
          {rule &&
            (rule.enabled ? (
              <button type="button" class="secondary" onClick={() => setEnabled(false)} disabled={save.kind === 'saving'}>
                Disable
              </button>
            ) : (
              <button type="button" class="secondary" onClick={() => setEnabled(true)} disabled={save.kind === 'saving'}>
                Enable
              </button>
            ))}
        </div>
        {!valid && problems !== null && <p class="muted">Save is available once the document has no problems.</p>}
      </form>
      {save.kind === 'saved' && (
        <div class="notice notice-success" role="status">
          {save.change.changed ? `Saved: version ${save.change.rule.version}.` : 'Nothing changed: the rule already was so.'}
          {save.change.refreshed.lists.map((list) => (
            <p key={list.list}>
              List {list.list}: {list.entered} entered, {list.exited} left, {list.total} members now.
            </p>
          ))}
          {save.change.refreshed.healthChanges > 0 && <p>{save.change.refreshed.healthChanges} accounts changed health colour.</p>}
        </div>
      )}
      {conflict ? (
        <div class="notice notice-error" role="alert">
          <strong>Not saved: someone else changed this rule since you opened it (version conflict).</strong>
          <p>Your edit is still in the editor. Copy what you need, then load the latest version and make your change on it.</p>
          {onLoadLatest && (
            <button type="button" class="secondary" onClick={onLoadLatest}>
              Load the latest version
            </button>
          )}
        </div>
      ) : (
        save.kind === 'failed' && <ErrorNotice error={save.error} title="Not saved" />
      )}

      <section aria-labelledby="dry-run-heading">
        <h2 id="dry-run-heading">Dry run</h2>
        {dryRun.kind === 'idle' && <p class="muted">Try the document in the editor without saving: who it would select now, and why.</p>}
        {dryRun.kind === 'running' && <p role="status">Running…</p>}
        {dryRun.kind === 'failed' && <ErrorNotice error={dryRun.error} title="The dry run did not run" />}
        {dryRun.kind === 'done' && <DryRunView result={dryRun.result} />}
      </section>

      {existing && <VersionHistory history={existing.history} of="rule" />}
    </>
  );
}

type Why = { explanation: ConditionExplanation; reasons: string[] };
type DryRunResult =
  | { kind: 'list'; rule: string; at: string; total: number; users: Array<{ id: number; email: string; name: string | null; account: { id: number; name: string }; why?: Why }> }
  | {
      kind: 'health';
      rule: string;
      at: string;
      total: number;
      colours: Record<string, number>;
      accounts: Array<{ id: number; externalId: string; name: string; colour: 'green' | 'amber' | 'red' | null; reasons?: string[] }>;
    }
  | { kind: 'trigger'; rule: string; at: string; matched: boolean; event: { responseId: number; score: number; category: string; respondedAt: string }; why: Why };

function DryRunView({ result }: { result: DryRunResult }) {
  if (result.kind === 'trigger') {
    return (
      <div class="card dry-run-result">
        <p>
          Response {result.event.responseId} (score {result.event.score}, {result.event.category}, {new Date(result.event.respondedAt).toLocaleDateString()}):{' '}
          {result.matched ? <strong class="badge colour-green">would trigger</strong> : <strong class="badge colour-red">would not trigger</strong>}
        </p>
        <ConditionExplanationTree explanation={result.why.explanation} />
      </div>
    );
  }
  if (result.kind === 'health') {
    return (
      <div class="card dry-run-result">
        <p>
          {result.total} accounts:{' '}
          {Object.entries(result.colours).map(([colour, count]) => (
            <span key={colour} class={`badge ${colour === 'none' ? 'category-none' : `colour-${colour}`}`}>
              {count} {colour === 'none' ? 'no colour' : colour}
            </span>
          ))}
        </p>
        <ScrollTable label="Accounts and the colour the rule gives them">
          <table>
            <caption class="visually-hidden">Accounts and the colour the rule gives them</caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Colour</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {result.accounts.map((account) => (
                <tr key={account.id}>
                  <th scope="row">
                    <a href={`/app/accounts/${account.id}`}>{account.name}</a>
                  </th>
                  <td>{account.colour ? <span class={`badge colour-${account.colour}`}>{account.colour}</span> : <span class="badge category-none">none</span>}</td>
                  <td>{account.reasons?.join('; ') ?? <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      </div>
    );
  }
  return (
    <div class="card dry-run-result">
      <p>
        <strong>{result.total === 1 ? '1 user' : `${result.total} users`}</strong> would be in the list now
        {result.users.length < result.total && `; the first ${result.users.length} are shown`}.
      </p>
      {result.users.length > 0 && (
        <ul class="dry-run-users">
          {result.users.map((user) => (
            <li key={user.id}>
              <a href={`/app/users/${user.id}`}>{user.name ?? user.email}</a> <span class="muted">{user.email}, {user.account.name}</span>
              {user.why && (
                <details>
                  <summary>Why</summary>
                  <ConditionExplanationTree explanation={user.why.explanation} />
                </details>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
