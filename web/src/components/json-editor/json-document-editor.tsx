import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiRequest } from '../../api.ts';
import { ErrorNotice } from '../error-notice.tsx';
import type { DocumentIssue, EditorProblems, JsonEditorHandle } from './json-editor-view.ts';
import type { JsonSchema } from './json-schema-completions.ts';
import './json-editor.css';

export type { DocumentIssue, EditorProblems };

interface Props {
  /** The editor's accessible name, e.g. "Rule JSON". */
  label: string;
  initialText: string;
  /** Checks a parsed document; answers its issues (none: valid). Called after a typing pause. */
  validate: (document: unknown) => Promise<DocumentIssue[]>;
  /** A JSON schema of the document for key and value completion. */
  schemaPath?: string;
  onTextChange: (text: string) => void;
  onProblemsChange?: (problems: EditorProblems) => void;
  /** Buttons beside "Validate". */
  actions?: ComponentChildren;
}

/**
 * A JSON document editor that validates as one types: syntax mistakes at their place, then the API's
 * issues on the text of their JSON path, each also listed below with its valid values.
 */
export function JsonDocumentEditor({ label, initialText, validate, schemaPath, onTextChange, onProblemsChange, actions }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const editor = useRef<JsonEditorHandle | null>(null);
  const [problems, setProblems] = useState<EditorProblems | null>(null);
  const [loadError, setLoadError] = useState<Error | null>(null);
  const [ready, setReady] = useState(false);
  // The latest callbacks, so the editor made once always calls the current ones.
  const callbacks = useRef({ validate, onTextChange, onProblemsChange });
  callbacks.current = { validate, onTextChange, onProblemsChange };

  useEffect(() => {
    let cancelled = false;
    const schema = schemaPath ? apiRequest<JsonSchema>(schemaPath).catch(() => undefined) : Promise.resolve(undefined);
    Promise.all([import('./json-editor-view.ts'), schema]).then(
      ([module, loadedSchema]) => {
        if (cancelled || !container.current) return;
        editor.current = module.createJsonEditor({
          parent: container.current,
          text: initialText,
          label,
          schema: loadedSchema,
          validate: (document) => callbacks.current.validate(document),
          onChange: (text) => callbacks.current.onTextChange(text),
          onProblems: (next) => {
            setProblems(next);
            callbacks.current.onProblemsChange?.(next);
          },
        });
        setReady(true);
        editor.current.validateNow();
      },
      (error: unknown) => setLoadError(error instanceof Error ? error : new Error(String(error))),
    );
    return () => {
      cancelled = true;
      editor.current?.destroy();
      editor.current = null;
    };
  }, [initialText, label, schemaPath]);

  const count = problems ? problems.syntax.length + problems.issues.length : 0;
  return (
    <div class="json-document-editor">
      {loadError && <ErrorNotice error={loadError} title="The editor could not be loaded" />}
      <div ref={container} class="json-editor-host">
        {!ready && !loadError && <p class="muted">Loading the editor…</p>}
      </div>
      <div class="toolbar editor-actions">
        <button type="button" class="secondary" onClick={() => editor.current?.validateNow()} disabled={!ready}>
          Validate
        </button>
        {actions}
      </div>
      <section class="editor-problems" aria-label={`Problems in the ${label}`} aria-live="polite">
        {!problems ? (
          <p class="muted">Checking…</p>
        ) : problems.error ? (
          <ErrorNotice error={problems.error} title="The document could not be checked" />
        ) : count === 0 ? (
          <p class="notice notice-success" role="status">
            No problems: the document is valid.
          </p>
        ) : (
          <>
            <p class="notice notice-error" role="status">
              {count === 1 ? '1 problem' : `${count} problems`}: nothing can be saved until {count === 1 ? 'it is' : 'they are'} fixed.
            </p>
            <ul class="problem-list">
              {problems.syntax.map((problem) => (
                <li key={`syntax-${problem.from}`}>
                  <button type="button" class="link-button" onClick={() => editor.current?.focusRange(problem.from, problem.to)}>
                    line {lineOf(problems.text, problem.from)}
                  </button>
                  : {problem.message}
                </li>
              ))}
              {problems.issues.map((issue) => (
                <li key={issue.path + issue.message}>
                  <button
                    type="button"
                    class="link-button"
                    onClick={() => {
                      const range = editor.current?.rangeOf(issue.path);
                      if (range) editor.current?.focusRange(range.from, range.to);
                    }}
                  >
                    <code>{issue.path}</code>
                  </button>
                  : {issue.message}
                  {issue.validValues && issue.validValues.length > 0 && (
                    <div class="valid-values">
                      Valid values:{' '}
                      {issue.validValues.map((value, index) => (
                        <>
                          {index > 0 && ', '}
                          <code key={value}>{value}</code>
                        </>
                      ))}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </div>
  );
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset && index < text.length; index += 1) if (text[index] === '\n') line += 1;
  return line;
}
