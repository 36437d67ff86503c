import fs from 'node:fs';
import { type ParseErrorCode, printParseErrorCode, visit } from 'jsonc-parser';
import { UsageError } from './usage-error.ts';

/** A JSON file that does not parse: `file:line:column: what is wrong`, 1-based, as editors and compilers print it. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
  }
}

/**
 * A JSON document read from a file (a rule or journey file). JSON.parse reads it; only when it
 * fails does jsonc-parser find where and what, because JSON.parse tells a position alone on
 * Node 20 and words its messages differently from one Node version to the next.
 */
export function readJsonFile(file: string): unknown {
  if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
  // A byte-order mark (Windows editors write one) is not part of the document.
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (error) {
    const located = firstSyntaxError(text);
    if (located === null) throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
    throw new JsonSyntaxError(file, located.line, located.column, located.reason);
  }
}

interface LocatedSyntaxError {
  line: number;
  column: number;
  reason: string;
}

/** The first syntax error of strict JSON (no comments, no trailing commas); the ones after it follow from it. */
function firstSyntaxError(text: string): LocatedSyntaxError | null {
  const open: ('{' | '[')[] = [];
  let first: LocatedSyntaxError | null = null;
  visit(
    text,
    {
      onObjectBegin: () => void open.push('{'),
      onObjectEnd: () => void open.pop(),
      onArrayBegin: () => void open.push('['),
      onArrayEnd: () => void open.pop(),
      onError: (code, offset, length, startLine, startCharacter) => {
        first ??= { line: startLine + 1, column: startCharacter + 1, reason: reasonOf(code, text, offset, length, open.at(-1)) };
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  return first;
}

function reasonOf(code: ParseErrorCode, text: string, offset: number, length: number, container: '{' | '[' | undefined): string {
  const token = text.slice(offset, offset + Math.min(length, 20));
  const afterComma = text.slice(0, offset).trimEnd().endsWith(',');
  // By name: the codes are a const enum, which a file compiled on its own (tsx) cannot read.
  const name = printParseErrorCode(code);
  switch (name) {
    case 'CommaExpected':
      return container === '[' ? "expected ',' or ']' after array element" : "expected ',' or '}' after property value";
    case 'CloseBraceExpected':
      return "expected ',' or '}' after property value";
    case 'CloseBracketExpected':
      return "expected ',' or ']' after array element";
    case 'ColonExpected':
      return "expected ':' after property name";
    case 'PropertyNameExpected':
    case 'ValueExpected':
      if (afterComma && (token === '}' || token === ']')) return `a trailing comma is not allowed: remove the ',' before '${token}'`;
      if (offset >= text.length) return name === 'ValueExpected' ? 'expected a value, found the end of the file' : "expected a property name or '}', found the end of the file";
      return name === 'ValueExpected' ? 'expected a value' : 'expected a property name in double quotes';
    case 'InvalidSymbol':
      return `unexpected \`${token}\``;
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return 'invalid number';
    case 'UnexpectedEndOfString':
      return 'unterminated string (a line break inside a string is written \\n)';
    case 'InvalidCharacter':
      return 'a control character inside a string: escape it, e.g. \\n or \\t';
    case 'InvalidEscapeCharacter':
      return 'invalid escape in a string: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u and four hex digits';
    case 'InvalidUnicode':
      return 'invalid \\u escape: it takes four hex digits';
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return 'comments are not allowed in JSON';
    case 'EndOfFileExpected':
      return 'unexpected content after the end of the JSON document';
    case '<unknown ParseErrorCode>':
      return 'not valid JSON';
  }
}
