import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonSyntaxError, readJsonFile } from '../../cli/read-json-file.ts';
import { UsageError } from '../../cli/usage-error.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npsloop-json-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(content: string): string {
  const target = path.join(dir, `rules-${++files}.json`);
  fs.writeFileSync(target, content);
  return target;
}

/** The error reading `content` gives, as `line:column: reason` after the file name. */
function syntaxErrorOf(content: string): string {
  const target = file(content);
  try {
    readJsonFile(target);
  } catch (error) {
    expect(error).toBeInstanceOf(JsonSyntaxError);
    expect((error as Error).message.startsWith(`${target}:`)).toBe(true);
    return (error as Error).message.slice(target.length + 1);
  }
  throw new Error(`${content} parsed`);
}

describe('readJsonFile', () => {
  it('reads a JSON document, a byte-order mark before it included', () => {
    expect(readJsonFile(file('{ "kind": "list" }'))).toEqual({ kind: 'list' });
    expect(readJsonFile(file('\uFEFF[1, 2]'))).toEqual([1, 2]);
  });

  it('gives a syntax error its 1-based line and column, and says what was expected', () => {
    expect(syntaxErrorOf('{\n  "kind": "list",\n  "name": "x" "conditions": {}\n}')).toBe("3:15: expected ',' or '}' after property value");
    expect(syntaxErrorOf('{\n  "all": [\n    1\n    2\n  ]\n}')).toBe("4:5: expected ',' or ']' after array element");
    expect(syntaxErrorOf('{ "name" "x" }')).toBe("1:10: expected ':' after property name");
  });

  it('counts CRLF and CR line ends as one line each, and columns from the start of the line', () => {
    expect(syntaxErrorOf('{\r\n"a": 1,\r\n\t"b": 2\r\n"c": 3}')).toBe("4:1: expected ',' or '}' after property value");
    expect(syntaxErrorOf('{\r"a": 1\r"b": 2}')).toBe("3:1: expected ',' or '}' after property value");
  });

  it('names the usual slips of hand-written JSON', () => {
    expect(syntaxErrorOf('{ "a": 1, }')).toBe("1:11: a trailing comma is not allowed: remove the ',' before '}'");
    expect(syntaxErrorOf('[1, 2,\n]')).toBe("2:1: a trailing comma is not allowed: remove the ',' before ']'");
    expect(syntaxErrorOf("{ 'a': 1 }")).toBe("1:3: unexpected `'a'`");
    expect(syntaxErrorOf('{ "a": tru }')).toBe('1:8: unexpected `tru`');
    expect(syntaxErrorOf('// rules\n{}')).toBe('1:1: comments are not allowed in JSON');
    expect(syntaxErrorOf('{ "a": "two\nlines" }')).toBe('1:8: unterminated string (a line break inside a string is written \\n)');
    expect(syntaxErrorOf('{ "a": 1 }\n}')).toBe('2:1: unexpected content after the end of the JSON document');
    expect(syntaxErrorOf('{ "a": [1,\n')).toBe('2:1: expected a value, found the end of the file');
    expect(syntaxErrorOf('')).toBe('1:1: expected a value, found the end of the file');
    expect(syntaxErrorOf('{ "a": 1')).toBe("1:9: expected ',' or '}' after property value");
  });

  it('refuses a missing file as a usage error', () => {
    expect(() => readJsonFile(path.join(dir, 'missing.json'))).toThrow(UsageError);
  });
});
