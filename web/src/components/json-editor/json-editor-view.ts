// The CodeMirror 6 JSON editor behind JsonDocumentEditor. Loaded on demand (import()): CodeMirror is
// the heaviest part of the app and only the rule and journey pages need it.
import { autocompletion, type Completion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { json } from '@codemirror/lang-json';
import { type Diagnostic, forceLinting, linter, lintGutter } from '@codemirror/lint';
import { EditorView, basicSetup } from 'codemirror';
import { getLocation } from 'jsonc-parser';
import { completionsAt, type JsonSchema } from './json-schema-completions.ts';
import { jsonSyntaxProblems, rangeOfJsonPath, type SyntaxProblem } from './json-path-range.ts';

export interface DocumentIssue {
  path: string;
  message: string;
  validValues?: string[];
}

/** Where the document stands: its syntax mistakes, or else what the API's validation said of it. */
export interface EditorProblems {
  syntax: SyntaxProblem[];
  issues: DocumentIssue[];
  /** Validation could not run (the API did not answer); the document is not known to be valid. */
  error: Error | null;
  /** The text the problems are about. */
  text: string;
}

export interface JsonEditorOptions {
  parent: HTMLElement;
  text: string;
  label: string;
  validate: (document: unknown) => Promise<DocumentIssue[]>;
  onChange: (text: string) => void;
  onProblems: (problems: EditorProblems) => void;
  schema?: JsonSchema | undefined;
}

export interface JsonEditorHandle {
  /** Validate now instead of after the typing pause. */
  validateNow(): void;
  setText(text: string): void;
  focusRange(from: number, to: number): void;
  rangeOf(path: string): { from: number; to: number };
  destroy(): void;
}

/** Typing pause before the document is sent to be checked. */
const VALIDATE_DELAY_MS = 300;

export function createJsonEditor(options: JsonEditorOptions): JsonEditorHandle {
  let lastIssues: DocumentIssue[] = [];

  async function lint(view: EditorView): Promise<Diagnostic[]> {
    const text = view.state.doc.toString();
    const current = () => view.state.doc.toString() === text;
    const syntax = jsonSyntaxProblems(text);
    if (syntax.length > 0 || text.trim() === '') {
      const problems = text.trim() === '' ? [{ from: 0, to: 0, message: 'JSON syntax: the document is empty' }] : syntax;
      lastIssues = [];
      options.onProblems({ syntax: problems, issues: [], error: null, text });
      return problems.map((problem) => ({ ...clampRange(problem, text.length), severity: 'error', message: problem.message, source: 'JSON' }));
    }
    try {
      const issues = await options.validate(JSON.parse(text));
      if (!current()) return [];
      lastIssues = issues;
      options.onProblems({ syntax: [], issues, error: null, text });
      return issues.map((issue) => ({
        ...clampRange(rangeOfJsonPath(text, issue.path), text.length),
        severity: 'error',
        source: issue.path,
        message: issue.validValues?.length ? `${issue.message} (valid: ${issue.validValues.join(', ')})` : issue.message,
      }));
    } catch (error) {
      if (current()) options.onProblems({ syntax: [], issues: [], error: error instanceof Error ? error : new Error(String(error)), text });
      return [];
    }
  }

  /** The valid values the API gave for the spot being edited, then the schema's keys and values. */
  function complete(context: CompletionContext): CompletionResult | null {
    const word = context.matchBefore(/"?[\w$.-]*"?/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const text = context.state.doc.toString();
    const options: Completion[] = [];
    for (const issue of lastIssues) {
      if (!issue.validValues?.length) continue;
      const range = rangeOfJsonPath(text, issue.path);
      if (context.pos < range.from || context.pos > range.to) continue;
      options.push(...issue.validValues.map((value) => ({ label: JSON.stringify(value), type: 'enum', detail: 'valid here', boost: 10 })));
    }
    if (optionsSchema) {
      const location = getLocation(text, context.pos);
      options.push(...completionsAt(optionsSchema, location.path, location.isAtPropertyKey));
    }
    return options.length > 0 ? { from: word.from, options, validFor: /^"?[\w$.-]*"?$/ } : null;
  }
  const optionsSchema = options.schema;

  const view = new EditorView({
    parent: options.parent,
    doc: options.text,
    extensions: [
      basicSetup,
      json(),
      lintGutter(),
      linter(lint, { delay: VALIDATE_DELAY_MS }),
      autocompletion({ override: [complete] }),
      EditorView.contentAttributes.of({ 'aria-label': options.label }),
      // Long lines wrap instead of scrolling sideways: the text stays readable on a phone, and the
      // editor has no scroll box a keyboard user would have to reach on its own.
      EditorView.lineWrapping,
      EditorView.updateListener.of((update) => {
        if (update.docChanged) options.onChange(update.state.doc.toString());
      }),
    ],
  });

  return {
    validateNow: () => forceLinting(view),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    focusRange(from, to) {
      view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
      view.focus();
    },
    rangeOf: (path) => rangeOfJsonPath(view.state.doc.toString(), path),
    destroy: () => view.destroy(),
  };
}

function clampRange(range: { from: number; to: number }, length: number): { from: number; to: number } {
  const from = Math.min(range.from, length);
  return { from, to: Math.min(Math.max(range.to, from), length) };
}
