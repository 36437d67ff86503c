import { useLocation, useRoute } from 'preact-iso';
import { useState } from 'preact/hooks';
import { apiRequest } from '../api.ts';
import { ErrorNotice } from '../components/error-notice.tsx';
import { type DocumentIssue, type EditorProblems, JsonDocumentEditor } from '../components/json-editor/json-document-editor.tsx';
import { VersionDiff } from '../components/version-diff.tsx';
import { useApi } from '../use-api.ts';

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

/** One journey's definition in the JSON editor: validated as typed, saved (later enrollments use it), enabled or disabled. */
export function JourneyPage() {
  const name = useRoute().params.name ?? '';
  const { query: params } = useLocation();
  const creating = params.new === '1';
  const loaded = useApi<{ journey: JourneySummary }>(creating ? null : `/journeys/${encodeURIComponent(name)}`);
  if (loaded.error) return (<><h1>Journey {name}</h1><ErrorNotice error={loaded.error} title="The journey could not be read" /></>);
  if (!creating && !loaded.data) return <p role="status">Loading the journey…</p>;
  const journey = loaded.data?.journey ?? null;
  return <JourneyEditor key={`${name}-${journey ? 'saved' : 'new'}`} name={name} journey={journey} onSaved={loaded.reload} />;
}

type ChangeState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; message: string } | { kind: 'failed'; error: Error };

function JourneyEditor({ name, journey, onSaved }: { name: string; journey: JourneySummary | null; onSaved: () => void }) {
  const { route } = useLocation();
  const [initialText] = useState(() => pretty(journey?.definition ?? newJourneyTemplate(name)));
  const [text, setText] = useState(initialText);
  const [problems, setProblems] = useState<EditorProblems | null>(null);
  const [change, setChange] = useState<ChangeState>({ kind: 'idle' });
  // What was saved last, to show the change a save is about to make.
  const [savedDefinition, setSavedDefinition] = useState<unknown>(journey?.definition);
  const [showDiff, setShowDiff] = useState(false);
  const valid = problems !== null && problems.text === text && problems.syntax.length === 0 && problems.issues.length === 0 && problems.error === null;

  async function save(event: Event) {
    event.preventDefault();
    setChange({ kind: 'saving' });
    try {
      const answer = await apiRequest<{ journey: JourneySummary; changed: boolean }>(`/journeys/${encodeURIComponent(name)}`, { method: 'PUT', body: JSON.parse(text) });
      setSavedDefinition(answer.journey.definition);
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
      await apiRequest(`/journeys/${encodeURIComponent(name)}/${enabled ? 'enable' : 'disable'}`, { method: 'POST' });
      setChange({ kind: 'saved', message: enabled ? 'Enabled: responses from now on may enroll users.' : 'Disabled: nobody new is enrolled; runs in flight go on.' });
      onSaved();
    } catch (error) {
      setChange({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

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
              {journey && edited !== undefined && (
                <button type="button" class="link-button" aria-expanded={showDiff} onClick={() => setShowDiff(!showDiff)}>
                  {showDiff ? 'Hide changes' : 'Show changes from the saved version'}
                </button>
              )}
            </>
          }
        />
      </form>
      {change.kind === 'saved' && (
        <p class="notice notice-success" role="status">
          {change.message}
        </p>
      )}
      {change.kind === 'failed' && <ErrorNotice error={change.error} title="Not done" />}
      {showDiff && edited !== undefined && <VersionDiff label="The saved version → the editor" before={savedDefinition} after={edited} />}
    </>
  );
}
