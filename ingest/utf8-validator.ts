import { isUtf8 } from 'node:buffer';
import { Transform } from 'node:stream';

/** Where a byte stream stops being UTF-8. */
export class InvalidUtf8Error extends Error {
  constructor(
    /** 0-based offset of the first byte that is not part of a UTF-8 character. */
    readonly byteOffset: number,
    /** 1-based line it is on (a line ends with LF, CRLF or a lone CR). */
    readonly line: number,
  ) {
    super(`line ${line}: byte ${byteOffset} is not UTF-8`);
    this.name = 'InvalidUtf8Error';
  }
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * A pass-through stream that fails with InvalidUtf8Error (or what `toError` makes of it) at the
 * first byte sequence that is not UTF-8, instead of letting a decoder turn it into U+FFFD
 * unseen. A character split across chunks is checked once whole. Memory stays flat: at most
 * three bytes are held back from one chunk to the next.
 */
export function utf8Validator(toError: (error: InvalidUtf8Error) => Error = (error) => error): Transform {
  let carry = Buffer.alloc(0);
  let offset = 0;
  let line = 1;
  let lastWasCr = false;

  const countLines = (bytes: Buffer) => {
    for (let at = bytes.indexOf(LF); at !== -1; at = bytes.indexOf(LF, at + 1)) {
      // The LF of a CRLF was counted with its CR.
      if (!(at === 0 ? lastWasCr : bytes[at - 1] === CR)) line += 1;
    }
    for (let at = bytes.indexOf(CR); at !== -1; at = bytes.indexOf(CR, at + 1)) line += 1;
    if (bytes.length > 0) lastWasCr = bytes[bytes.length - 1] === CR;
  };

  const fail = (bytes: Buffer) => {
    const bad = firstInvalidByte(bytes);
    countLines(bytes.subarray(0, bad));
    return toError(new InvalidUtf8Error(offset + bad, line));
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const end = completeLength(bytes);
      const complete = bytes.subarray(0, end);
      if (!isUtf8(complete)) {
        callback(fail(complete));
        return;
      }
      countLines(complete);
      offset += end;
      carry = Buffer.from(bytes.subarray(end));
      callback(null, chunk);
    },
    flush(callback) {
      // A file that ends inside a character.
      callback(carry.length > 0 ? fail(carry) : null);
    },
  });
}

/** The bytes a character starting with `lead` takes, or 0 for a byte no character starts with. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >> 5 === 0b110) return 2;
  if (lead >> 4 === 0b1110) return 3;
  if (lead >> 3 === 0b11110) return 4;
  return 0;
}

/** The length of `bytes` without a last character that is still incomplete. */
function completeLength(bytes: Buffer): number {
  for (let start = bytes.length - 1; start >= Math.max(0, bytes.length - 4); start--) {
    const byte = bytes[start]!;
    // A continuation byte (10xxxxxx): its character started earlier.
    if (byte >> 6 === 0b10) continue;
    const length = sequenceLength(byte);
    return length > 0 && start + length > bytes.length ? start : bytes.length;
  }
  return bytes.length;
}

/** The offset of the first byte that does not begin a valid character; only called on bytes that are not UTF-8. */
function firstInvalidByte(bytes: Buffer): number {
  let at = 0;
  while (at < bytes.length) {
    const length = sequenceLength(bytes[at]!);
    if (length === 0 || at + length > bytes.length || !isUtf8(bytes.subarray(at, at + length))) return at;
    at += length;
  }
  return bytes.length;
}
