/** Keeps sdk/README.md honest: the error table matches the protocol, and every linked example exists. */
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { ERRORS } from './protocol/errors';

const dir = new URL('..', import.meta.url).pathname;
const readme = readFileSync(`${dir}README.md`, 'utf8');

describe('README', () => {
  test('the error table lists every code with its status, retryability and message', () => {
    for (const [code, e] of Object.entries(ERRORS)) {
      expect(readme).toContain(`| \`${code}\` | ${e.status} | ${e.retryable ? 'yes' : 'no'} | ${e.message} |`);
    }
  });

  test('every linked example exists', () => {
    const links = [...readme.matchAll(/\]\((examples\/[\w-]+\.ts)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(3);
    for (const link of links) expect(existsSync(`${dir}${link}`)).toBe(true);
  });
});
