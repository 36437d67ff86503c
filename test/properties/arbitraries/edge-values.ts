import fc from 'fast-check';

/*
 * Values that have broken parsers and databases before: out-of-range and not-quite numbers,
 * text that looks like a number, a date or a prototype key, and characters PostgreSQL cannot
 * store. Mixed into every hostile input, never filtered out.
 */

export const EDGE_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  11,
  10.5,
  0.1 + 0.2,
  1e-7,
  2 ** 31,
  -(2 ** 31) - 1,
  Number.MAX_SAFE_INTEGER + 2,
  // Beyond JavaScript's date range as seconds or milliseconds.
  1e16,
  -1e16,
  1e20,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
];

export const EDGE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\t\r\n',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '1e16',
  '10000000000000000',
  '0x10',
  '010',
  ' 9 ',
  '9.0',
  '+9',
  '-0',
  '１０',
  'null',
  'undefined',
  'true',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '2026-02-30',
  '2026-13-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+010000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '1970-01-01',
  'not@an@email',
  'ANA.SILVA@ACME.EXAMPLE ',
  '😀'.repeat(3),
  'e\u0301',
  '\u202eevil',
  '\ufeffbom',
  // An unpaired surrogate: what a tool that cuts a comment mid-emoji sends.
  'cut \ud83d',
  '\udc00',
  'nul \u0000 inside',
  "x'; drop table users; --",
  '<script>alert(1)</script>',
  'x'.repeat(10_001),
];

/** Dates at and beyond the edges: of a month, of JavaScript's range (as seconds or milliseconds), of four-digit years. */
export const EDGE_DATES: readonly (string | number)[] = [
  '2026-02-30',
  '2026-13-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+010000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '9999-12-31T23:59:59Z',
  '1970-01-01',
  '10000000000000000',
  1e16,
  -1e16,
  1e20,
  -62135596800.001,
  8.64e15,
  0,
  -1,
];

export const edgeNumber: fc.Arbitrary<number> = fc.constantFrom(...EDGE_NUMBERS);

export const edgeDate: fc.Arbitrary<string | number> = fc.constantFrom(...EDGE_DATES);

export const edgeString: fc.Arbitrary<string> = fc.constantFrom(...EDGE_STRINGS);

/** A JSON scalar or an empty container, from the edge lists or anywhere. */
export const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: edgeString },
  { weight: 2, arbitrary: edgeNumber },
  fc.constantFrom(null, true, false, [], {}),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
