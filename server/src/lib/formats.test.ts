import { expect, test } from 'bun:test';
import { FormatRegistry } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { t } from 'elysia';
import { useFastFormats } from './formats';

const Frame = TypeCompiler.Compile(
  t.Object({ sessionId: t.String({ format: 'uuid' }), email: t.String({ format: 'email' }), at: t.String({ format: 'date-time' }) }),
);
const valid = { sessionId: '0193a3c2-7a1e-7cc2-9d5e-2f1b8c3a4d5e', email: 'nurse.joy@demo.clinic', at: '2026-11-25T15:30:00.000Z' };

test('after a plugin replaced them, the formats check what they checked before', () => {
  FormatRegistry.Set('uuid', () => true);
  useFastFormats();
  expect(Frame.Check(valid)).toBe(true);
  for (const sessionId of [
    'not-a-uuid',
    '0193a3c2-7a1e-7cc2-9d5e-2f1b8c3a4d5',
    'urn:uuid:0193a3c2-7a1e-7cc2-9d5e-2f1b8c3a4d5e',
    `${valid.sessionId}\n`,
    "'; drop table users; --",
  ])
    expect(Frame.Check({ ...valid, sessionId })).toBe(false);
  expect(Frame.Check({ ...valid, email: 'nurse' })).toBe(false);
  expect(Frame.Check({ ...valid, at: 'yesterday' })).toBe(false);
});

test('a check builds nothing: the same function answers every time, with no schema library behind it', () => {
  useFastFormats();
  const check = FormatRegistry.Get('uuid');
  expect(String(check)).not.toMatch(/string3|safeParse|pipe\(/);
});
