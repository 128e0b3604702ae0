import fc from 'fast-check';

/** Characters that break naive code: NUL and other controls, lone surrogates, bidi and zero-width marks, emoji. */
export const ODD_PIECES = [
  '\u0000',
  '\u0007',
  '\u0008',
  '\u001b',
  '\u007f',
  '\u0085',
  '\t',
  '\n',
  '\r\n',
  ' ',
  '\u00a0',
  '\ud800',
  '\udfff',
  '\udbff',
  'a\udc00b',
  '\ud83d', // lone surrogates
  '\u202e',
  '\u202d',
  '\u200f',
  '\u061c',
  '\u2066', // bidi overrides and isolates
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff', // zero-width
  '\u2028',
  '\u2029',
  '\ufffe',
  '\uffff',
  '\ufffd',
  'e\u0301',
  'A\u030a',
  '\u1100\u1161', // decomposed: NFC changes them
  '👩‍⚕️',
  '🏳️‍🌈',
  '𝕏',
  'Ω',
  'ß',
  'İ',
  'ﷺ',
  '中文',
  'עברית',
  'العربية',
] as const;

/** Text that looks like SQL, markup or other syntax, to prove it is stored or refused as plain text. */
export const SQLISH_PIECES = [
  "'",
  '"',
  '`',
  '\\',
  '%',
  '_',
  ';',
  '--',
  '/*',
  '*/',
  '$1',
  '$$',
  '::text',
  "'; DROP TABLE users; --",
  "' OR '1'='1",
  '1); select pg_sleep(5); --',
  "E'\\x00'",
  '\\x00',
  "admin'--",
  "' union select token_hash from auth_tokens --",
  '0x7fffffff',
  '-1',
  '1e309',
  'NaN',
  'null',
  'undefined',
  'true',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  '${7*7}',
  '%s%n',
  '__proto__',
  'constructor',
  'prototype',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
] as const;

/** Any UTF-16 code units, lone surrogates included (fast-check's string units only give whole code points). */
export const codeUnits = (maxLength = 12) => fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength }).map((units) => String.fromCharCode(...units));

/** A short hostile string: a mix of odd unicode, SQL-looking text and random text. */
export const nastyText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...ODD_PIECES), fc.constantFrom(...SQLISH_PIECES), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 6 })
      .map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: fc.constantFrom(...SQLISH_PIECES) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }) },
  { weight: 1, arbitrary: codeUnits() },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', '\n', 'ok', 'Hello') },
);

/** Text of roughly `length` code units, built from one repeated piece (cheap even for 300 KB). */
export const textOfLength = (length: number) =>
  fc.constantFrom('x', 'é', '\u0000', '😀', "'", 'e\u0301', ' ').map((piece) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length));

/**
 * encodeURIComponent that never throws: a lone surrogate becomes its WTF-8 bytes (%ED%A0%80), which is not valid
 * UTF-8, so the server meets a percent-encoding it cannot decode.
 */
export function encodeLoosely(s: string): string {
  let out = '';
  let run = '';
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    const high = unit >= 0xd800 && unit <= 0xdbff;
    const pairedHigh = high && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff;
    if (pairedHigh) {
      run += s[i]! + s[i + 1]!;
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += encodeURIComponent(run) + wtf8(unit);
      run = '';
    } else run += s[i]!;
  }
  return out + encodeURIComponent(run);
}

const wtf8 = (unit: number) => [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
