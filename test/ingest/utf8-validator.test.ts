import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { InvalidUtf8Error, utf8Validator } from '../../ingest/utf8-validator.ts';

/** The bytes through the validator, cut into chunks at every one of `cuts`. */
async function validate(bytes: Buffer, cuts: number[] = []): Promise<Buffer> {
  const edges = [0, ...cuts, bytes.length];
  const chunks = edges.slice(1).map((end, i) => bytes.subarray(edges[i], end));
  return buffer(Readable.from(chunks).pipe(utf8Validator()));
}

async function failure(bytes: Buffer, cuts: number[] = []): Promise<{ byteOffset: number; line: number }> {
  const error = await validate(bytes, cuts).then(
    () => expect.fail('expected the bytes to be refused'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidUtf8Error);
  const { byteOffset, line } = error as InvalidUtf8Error;
  return { byteOffset, line };
}

describe('utf8Validator', () => {
  it('passes UTF-8 through unchanged, a character split across chunks at any byte included', async () => {
    const text = Buffer.from('\ufeffemail,comment\r\nana@x.example,Olá 😀 — ok\n');
    for (let cut = 1; cut < text.length; cut++) expect(await validate(text, [cut]), `cut at ${cut}`).toEqual(text);
    expect(await validate(text, Array.from({ length: text.length - 1 }, (_, i) => i + 1))).toEqual(text);
  });

  it('names the first bad byte and its line, counting LF, CRLF (split or not) and a lone CR as one line end each', async () => {
    const bad = Buffer.from([0xff]);
    expect(await failure(Buffer.concat([Buffer.from('a\nb\r\nc\rd'), bad]))).toEqual({ byteOffset: 8, line: 4 });
    expect(await failure(Buffer.concat([Buffer.from('a\r\nb'), bad]), [2])).toEqual({ byteOffset: 4, line: 2 });
    expect(await failure(Buffer.concat([Buffer.from('a\r\rb'), bad]), [2])).toEqual({ byteOffset: 4, line: 3 });
  });

  it('refuses Latin-1, overlong forms, UTF-16 surrogates and a file ending inside a character', async () => {
    expect(await failure(Buffer.from('x,Jos\u00e9\n', 'latin1'))).toEqual({ byteOffset: 5, line: 1 });
    expect(await failure(Buffer.from([0x61, 0xc0, 0xaf]))).toEqual({ byteOffset: 1, line: 1 });
    expect(await failure(Buffer.from([0x0a, 0xed, 0xa0, 0x80]))).toEqual({ byteOffset: 1, line: 2 });
    const truncated = Buffer.from('ok 😀').subarray(0, -1);
    expect(await failure(truncated, [4])).toEqual({ byteOffset: 3, line: 1 });
  });
});
