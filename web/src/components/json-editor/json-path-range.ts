import { findNodeAtLocation, type Node, parseTree, type ParseError, printParseErrorCode } from 'jsonc-parser';

// Where in a JSON text an issue's path points: the API names mistakes by JSON path
// ($.conditions.all[0].fact, $["odd key"]), the editor marks characters.

export interface TextRange {
  from: number;
  to: number;
}

/** The steps of `$.a[1]["b c"]` (or `a[1].b`, as some callers write it): a, 1, "b c". */
export function jsonPathSteps(path: string): Array<string | number> {
  const steps: Array<string | number> = [];
  const text = path.replace(/^\$/, '');
  const step = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  for (let match = step.exec(text); match !== null && match[0] !== ''; match = step.exec(text)) {
    const [, name, index, quoted] = match;
    steps.push(name ?? (index !== undefined ? Number(index) : (JSON.parse(quoted ?? '""') as string)));
  }
  return steps;
}

/**
 * The text a path names: a value's own text; for a path that does not exist (a missing property,
 * an index past the end), its nearest ancestor's opening line, since that is where it is missing.
 */
export function rangeOfJsonPath(text: string, path: string): TextRange {
  const root = parseTree(text);
  if (!root) return { from: 0, to: Math.min(text.length, 1) };
  const steps = jsonPathSteps(path);
  for (let length = steps.length; length >= 0; length -= 1) {
    const node = findNodeAtLocation(root, steps.slice(0, length));
    if (!node) continue;
    if (length === steps.length) return exactRange(node);
    return openingLine(text, node.parent?.type === 'property' ? node.parent : node);
  }
  return openingLine(text, root);
}

function exactRange(node: Node): TextRange {
  // An object or array can span pages: its key (when it has one) is the place to mark.
  if ((node.type === 'object' || node.type === 'array') && node.parent?.type === 'property') {
    const key = node.parent.children?.[0];
    if (key) return { from: key.offset, to: key.offset + key.length };
  }
  if (node.type === 'object' || node.type === 'array') return { from: node.offset, to: node.offset + 1 };
  return { from: node.offset, to: node.offset + node.length };
}

function openingLine(text: string, node: Node): TextRange {
  const lineEnd = text.indexOf('\n', node.offset);
  const to = Math.min(node.offset + node.length, lineEnd === -1 ? text.length : lineEnd);
  return { from: node.offset, to: Math.max(to, node.offset + 1) };
}

export interface SyntaxProblem extends TextRange {
  message: string;
}

/** JSON syntax mistakes with where they are (no comments, no trailing commas: the API takes strict JSON). */
export function jsonSyntaxProblems(text: string): SyntaxProblem[] {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  return errors.map((error) => ({
    from: error.offset,
    to: error.offset + Math.max(1, error.length),
    message: syntaxMessage(printParseErrorCode(error.error)),
  }));
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'not valid JSON here',
  InvalidNumberFormat: 'not a valid number',
  PropertyNameExpected: 'a property name in double quotes was expected',
  ValueExpected: 'a value was expected',
  ColonExpected: 'a colon (:) was expected',
  CommaExpected: 'a comma was expected',
  CloseBraceExpected: 'a closing brace } was expected',
  CloseBracketExpected: 'a closing bracket ] was expected',
  EndOfFileExpected: 'nothing may follow the document',
  InvalidCommentToken: 'JSON has no comments',
  UnexpectedEndOfComment: 'JSON has no comments',
  UnexpectedEndOfString: 'the string is not closed',
  UnexpectedEndOfNumber: 'the number is not complete',
  InvalidUnicode: 'not a valid \\u escape',
  InvalidEscapeCharacter: 'not a valid escape',
  InvalidCharacter: 'this character must be escaped',
};

function syntaxMessage(code: string): string {
  return `JSON syntax: ${SYNTAX_MESSAGES[code] ?? code}`;
}
