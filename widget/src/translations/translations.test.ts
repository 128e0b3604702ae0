import { describe, expect, test } from 'bun:test';
import { en } from './en';
import { es } from './es';
import { loadTranslation, resolveTranslation, SHIPPED } from './index';

const translations = { en, es };

describe('translations', () => {
  test('every locale has exactly the keys of English (the type enforces it; this guards casts)', () => {
    for (const [tag, t] of Object.entries(translations)) {
      expect({ tag, keys: Object.keys(t).sort() }).toEqual({ tag, keys: Object.keys(en).sort() });
      for (const [key, value] of Object.entries(t)) {
        const sample = typeof value === 'function' ? (value as (...a: unknown[]) => unknown)(...sampleArgs(key)) : value;
        expect(typeof sample).toBe('string');
        expect((sample as string).length).toBeGreaterThan(0);
      }
    }
  });

  test('system lines and errors have text for every known code, and a fallback', () => {
    for (const t of [en, es]) {
      for (const event of ['session.assigned', 'session.requeued', 'session.ended'] as const) {
        expect(t.system(event, 'Nurse Joy')).not.toBe('');
        expect(t.system(event, null)).not.toContain('null');
      }
      expect(t.error('some_future_code')).toBe(t.error('another_future_code'));
      expect(t.error('connection_error')).not.toBe(t.error('some_future_code'));
    }
  });

  test('whoever takes the chat, first or after a transfer, is named in one neutral line', () => {
    expect(en.system('session.assigned', 'Nurse Sam')).toBe('You are now chatting with Nurse Sam.');
    expect(es.system('session.assigned', 'Nurse Sam')).toBe('Ahora conversa con Nurse Sam.');
    expect(en.system('session.assigned', null)).toBe('You are now chatting with a team member.');
    expect(es.system('session.assigned', null)).toBe('Ahora conversa con un miembro del equipo.');
  });

  test('every shipped locale is tested here', () => {
    expect([...SHIPPED].sort()).toEqual(Object.keys(translations).sort());
  });

  test('locale resolution: language subtag, English fallback; other languages once loaded', async () => {
    expect(resolveTranslation('es-MX')).toBe(en);
    const loading = loadTranslation('es-MX');
    expect(loading).toBeInstanceOf(Promise);
    await loading;
    expect(loadTranslation('es')).toBeUndefined();
    expect(loadTranslation('fr')).toBeUndefined();
    expect(loadTranslation('en-GB')).toBeUndefined();
    expect(resolveTranslation('es-MX')).toEqual(es);
    expect(resolveTranslation('ES')).toEqual(es);
    expect(resolveTranslation('fr-FR')).toBe(en);
    expect(resolveTranslation(undefined)).toBe(en);
    expect(resolveTranslation('')).toBe(en);
  });
});

function sampleArgs(key: string): unknown[] {
  if (key === 'typing') return [['Nurse Joy']];
  if (key === 'system') return ['session.assigned', 'Nurse Joy'];
  if (key === 'error') return ['connection_error'];
  if (key === 'title' || key === 'transcriptTitle') return ['Riverside'];
  return [2];
}
