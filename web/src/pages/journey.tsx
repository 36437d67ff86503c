import { useLocation, useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { ApiRequestError, apiRequest } from '../api.ts';
import { type ConditionExplanation, ConditionExplanationTree } from '../components/condition-explanation.tsx';
import { ErrorNotice } from '../components/error-notice.tsx';
import { type DocumentIssue, type EditorProblems, JsonDocumentEditor } from '../components/json-editor/json-document-editor.tsx';
import { VersionDiff } from '../components/version-diff.tsx';
import { type DocumentVersion, VersionHistory } from '../components/version-history.tsx';
import { useApi } from '../use-api.ts';
import './rule.css';
import './journey.css';

/** A journey as GET /journeys answers it (api/routes/journeys.ts). */
export interface JourneySummary {
  name: string;
  enabled: boolean;
  version: number;
  builtIn: boolean;
  definition: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

const pretty = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;

/** What a new journey starts from: a follow-up task for detractors, to change. */
function newJourneyTemplate(name: string): Record<string, unknown> {
  return {
    name,
    description: 'A detractor becomes a task for the owning CSM',
    trigger: { all: [{ fact: 'category', operator: 'equal', value: 'detractor' }] },
    steps: { type: 'detractor_follow_up', slaHours: 48 },
  };
}

async function validateJourney(document: unknown): Promise<DocumentIssue[]> {
  const answer = await apiRequest<{ valid: boolean; issues: DocumentIssue[] }>('/journeys/validate', { method: 'POST', body: document });
  return answer.issues;
}

/** One journey: its JSON in the editor, dry run, save as a new version, enable or disable, and its history with diffs. */
export function JourneyPage() {
  const name = useRoute().params.name ?? '';
  const { query: params } = useLocation();
  const creating = params.new === '1';
  const loaded = useApi<{ journey: JourneySummary; history: DocumentVersion[] }>(creating ? null : `/journeys/${encodeURIComponent(name)}`);
  // The editor starts from the text read when the page opened (or when asked to load the latest);
  // reading the journey again after a save keeps what is in the editor.
  const [seed, setSeed] = useState<{ version: number; text: string } | null>(null);
  useEffect(() => {
    if (loaded.data && seed === null) setSeed({ version: loaded.data.journey.version, text: pretty(loaded.data.journey.definition) });
  }, [loaded.data, seed]);
  if (loaded.error) return (<><h1>Journey {name}</h1><ErrorNotice error={loaded.error} title="The journey could not be read" /></>);
  if (!creating && (!loaded.data || !seed)) return <p role="status">Loading the journey…</p>;
  const existing = loaded.data ?? null;
  return (
    <JourneyEditor
      key={`${name}-${seed ? `${seed.version}-${seed.text.length}` : 'new'}`}
      name={name}
      existing={existing}
      initialText={seed?.text ?? pretty(newJourneyTemplate(name))}
      onSaved={loaded.reload}
      onLoadLatest={() => {
        setSeed(null);
        loaded.reload();
      }}
    />
  );
}

type ChangeState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; message: string } | { kind: 'failed'; error: Error };

interface EditorProps {
  name: string;
  existing: { journey: JourneySummary; history: DocumentVersion[] } | null;
  initialText: string;
  onSaved: () => void;
  onLoadLatest: () => void;
}

function JourneyEditor({ name, existing, initialText, onSaved, onLoadLatest }: EditorProps) {
  const { route } = useLocation();
  const journey = existing?.journey ?? null;
  const [text, setText] = useState(initialText);
  const [problems, setProblems] = useState<EditorProblems | null>(null);
  const [note, setNote] = useState('');
  const [change, setChange] = useState<ChangeState>({ kind: 'idle' });
  const [dryRunUser, setDryRunUser] = useState('');
  const [dryRun, setDryRun] = useState<{ kind: 'idle' } | { kind: 'running' } | { kind: 'done'; result: JourneyDryRun } | { kind: 'failed'; error: Error }>({ kind: 'idle' });
  // What was saved last, to show the change a save is about to make.
  const [savedDefinition, setSavedDefinition] = useState<unknown>(journey?.definition);
  const [showDiff, setShowDiff] = useState(false);
  // The version the edit was made from: the one read, until this page saves a newer one.
  const [baseVersion, setBaseVersion] = useState(journey?.version);
  useEffect(() => setBaseVersion((current) => Math.max(current ?? 0, journey?.version ?? 0) || undefined), [journey?.version]);
  const valid = problems !== null && problems.text === text && problems.syntax.length === 0 && problems.issues.length === 0 && problems.error === null;
  const ifMatch = baseVersion === undefined ? {} : { headers: { 'if-match': `"${baseVersion}"` } };

  async function save(event: Event) {
    event.preventDefault();
    setChange({ kind: 'saving' });
    try {
      const body = { ...(JSON.parse(text) as Record<string, unknown>), ...(note.trim() ? { note: note.trim() } : {}) };
      const answer = await apiRequest<{ journey: JourneySummary; changed: boolean }>(`/journeys/${encodeURIComponent(name)}`, { method: 'PUT', body, ...(journey ? ifMatch : {}) });
      setSavedDefinition(answer.journey.definition);
      setBaseVersion(answer.journey.version);
      setNote('');
      setChange({ kind: 'saved', message: answer.changed ? `Saved: version ${answer.journey.version}. Enrollments from now on use it; those in flight keep theirs.` : 'Nothing changed.' });
      if (!journey) route(`/app/journeys/${encodeURIComponent(name)}`, true);
      else onSaved();
    } catch (error) {
      setChange({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  async function setEnabled(enabled: boolean) {
    setChange({ kind: 'saving' });
    try {
      const answer = await apiRequest<{ journey: JourneySummary }>(`/journeys/${encodeURIComponent(name)}/${enabled ? 'enable' : 'disable'}`, {
        method: 'POST',
        ...ifMatch,
        ...(note.trim() ? { body: { note: note.trim() } } : {}),
      });
      setBaseVersion(answer.journey.version);
      setNote('');
      setChange({ kind: 'saved', message: enabled ? 'Enabled: responses from now on may enroll users.' : 'Disabled: nobody new is enrolled; runs in flight go on.' });
      onSaved();
    } catch (error) {
      setChange({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  async function runDryRun() {
    setDryRun({ kind: 'running' });
    try {
      const body = { ...(JSON.parse(text) as Record<string, unknown>), response: { user: dryRunUser.trim() } };
      setDryRun({ kind: 'done', result: await apiRequest<JourneyDryRun>('/journeys/dry-run', { method: 'POST', body }) });
    } catch (error) {
      setDryRun({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  const conflict = change.kind === 'failed' && change.error instanceof ApiRequestError && change.error.code === 'version_conflict';
  let edited: unknown;
  try {
    edited = JSON.parse(text);
  } catch {
    edited = undefined;
  }
  return (
    <>
      <p>
        <a href="/app/journeys">← Journeys</a>
      </p>
      <h1>{journey ? `Journey ${name}` : `New journey ${name}`}</h1>
      {journey ? (
        <p>
          <span class={`badge ${journey.enabled ? 'colour-green' : 'category-none'}`}>{journey.enabled ? 'enabled' : 'disabled'}</span>{' '}
          <span class="muted">
            version {journey.version}
            {journey.builtIn && ', built in'}, last changed {new Date(journey.updatedAt).toLocaleString()} by {journey.updatedBy}
          </span>
        </p>
      ) : (
        <p class="muted">A new journey starts disabled: enable it once its emails are right.</p>
      )}
      <form onSubmit={save} aria-label={`Edit journey ${name}`}>
        <JsonDocumentEditor
          label="Journey JSON"
          initialText={initialText}
          validate={validateJourney}
          schemaPath="/journeys/schema"
          onTextChange={setText}
          onProblemsChange={setProblems}
          actions={
            <>
              <span class="inline-field">
                <label for="dry-run-user">Try on the latest response of</label>
                <input id="dry-run-user" type="email" placeholder="user email" value={dryRunUser} onInput={(event) => setDryRunUser(event.currentTarget.value)} />
              </span>
              <button type="button" class="secondary" onClick={runDryRun} disabled={dryRun.kind === 'running' || !valid || dryRunUser.trim() === ''}>
                Dry run
              </button>
              {journey && edited !== undefined && (
                <button type="button" class="link-button" aria-expanded={showDiff} onClick={() => setShowDiff(!showDiff)}>
                  {showDiff ? 'Hide changes' : 'Show changes from the saved version'}
                </button>
              )}
            </>
          }
        />
        <div class="toolbar save-bar">
          <div class="note-field">
            <label for="journey-note">Note</label>
            <input id="journey-note" type="text" maxLength={1000} placeholder="why, kept in the history" value={note} onInput={(event) => setNote(event.currentTarget.value)} />
          </div>
          <button type="submit" disabled={change.kind === 'saving' || !valid}>
            Save
          </button>
          {journey &&
            (journey.enabled ? (
              <button type="button" class="secondary" onClick={() => setEnabled(false)} disabled={change.kind === 'saving'}>
                Disable
              </button>
            ) : (
              <button type="button" class="secondary" onClick={() => setEnabled(true)} disabled={change.kind === 'saving'}>
                Enable
              </button>
            ))}
        </div>
      </form>
      {change.kind === 'saved' && (
        <p class="notice notice-success" role="status">
          {change.message}
        </p>
      )}
      {conflict ? (
        <div class="notice notice-error" role="alert">
          <strong>Not saved: someone else changed this journey since you opened it (version conflict).</strong>
          <p>Your edit is still in the editor. Copy what you need, then load the latest version and make your change on it.</p>
          <button type="button" class="secondary" onClick={onLoadLatest}>
            Load the latest version
          </button>
        </div>
      ) : (
        change.kind === 'failed' && <ErrorNotice error={change.error} title="Not done" />
      )}
      {showDiff && edited !== undefined && <VersionDiff label="The saved version → the editor" before={savedDefinition} after={edited} />}

      <section aria-labelledby="dry-run-heading">
        <h2 id="dry-run-heading">Dry run</h2>
        {dryRun.kind === 'idle' && <p class="muted">Try the journey in the editor on a user's latest response without saving or sending anything: whether it would enroll them, why, and what would follow.</p>}
        {dryRun.kind === 'running' && <p role="status">Running…</p>}
        {dryRun.kind === 'failed' && <ErrorNotice error={dryRun.error} title="The dry run did not run" />}
        {dryRun.kind === 'done' && <JourneyDryRunView result={dryRun.result} />}
      </section>

      {existing && <VersionHistory history={existing.history} of="journey" />}
    </>
  );
}

interface DryRunEmail {
  to: string;
  subject: string;
  text: string;
  notSent?: string;
}

interface DryRunPerson {
  id: number;
  email: string;
  name: string;
}

/** POST /journeys/dry-run's answer (api/routes/journeys.ts). */
interface JourneyDryRun {
  journey: string;
  at: string;
  trigger: { event: { responseId: number; score: number; category: string; respondedAt: string }; matched: boolean; why: { explanation: ConditionExplanation; reasons: string[] } };
  enrolls: boolean;
  notEnrolledBecause: string | null;
  follows:
    | { type: 'review_request'; email: DryRunEmail; reminderAfterHours: number }
    | { type: 'detractor_follow_up'; assignee: DryRunPerson | null; dueAt: string | null; slaHours: number; escalation: (DryRunPerson & { level: number })[]; email: DryRunEmail | null }
    | null;
}

function JourneyDryRunView({ result }: { result: JourneyDryRun }) {
  const { event } = result.trigger;
  const follows = result.follows;
  return (
    <div class="card dry-run-result">
      <p>
        Response {event.responseId} (score {event.score}, {event.category}, {new Date(event.respondedAt).toLocaleDateString()}):{' '}
        {result.trigger.matched ? <strong class="badge colour-green">the trigger takes it</strong> : <strong class="badge colour-red">the trigger does not take it</strong>}
      </p>
      <ConditionExplanationTree explanation={result.trigger.why.explanation} />
      <p>
        {result.enrolls ? <strong>The user would be enrolled</strong> : <strong>Nobody would be enrolled</strong>}
        {result.notEnrolledBecause && `: ${result.notEnrolledBecause}`}.
      </p>
      {follows?.type === 'review_request' && (
        <>
          <h3>The email that would go</h3>
          <EmailPreview email={follows.email} />
          <p class="muted">The review link is shown as {'{{reviewUrl}}'}: each email gets its own. A reminder follows after {follows.reminderAfterHours} hours if it is not followed.</p>
        </>
      )}
      {follows?.type === 'detractor_follow_up' && (
        <>
          <h3>The task that would be created</h3>
          {follows.assignee ? (
            <dl>
              <dt>For</dt>
              <dd>
                {follows.assignee.name} &lt;{follows.assignee.email}&gt;, the CSM who owned the account when the response was given
              </dd>
              <dt>Due</dt>
              <dd>
                {follows.dueAt && new Date(follows.dueAt).toLocaleString()} ({follows.slaHours} hours)
              </dd>
              <dt>Escalated, each time the due time passes, to</dt>
              <dd>
                {follows.escalation.length === 0 ? (
                  <span class="muted">nobody: the task stays with the CSM</span>
                ) : (
                  <ol>
                    {follows.escalation.map((person) => (
                      <li key={person.level}>
                        {person.name} &lt;{person.email}&gt;
                      </li>
                    ))}
                  </ol>
                )}
              </dd>
            </dl>
          ) : (
            <p>No CSM owned the account when the response was given: the journey would end at once, with no task.</p>
          )}
          {follows.email && (
            <>
              <h3>The CSM's email</h3>
              <EmailPreview email={follows.email} />
            </>
          )}
        </>
      )}
    </div>
  );
}

function EmailPreview({ email }: { email: DryRunEmail }) {
  return (
    <figure class="email-preview">
      <figcaption>
        To {email.to}: <strong>{email.subject}</strong>
        {email.notSent && <span class="badge colour-red">not sent: {email.notSent}</span>}
      </figcaption>
      <pre>{email.text}</pre>
    </figure>
  );
}
