import { describe, expect, test } from 'bun:test';
import { en } from '../../translations/en';
import { es } from '../../translations/es';
import { queueLines } from './queue-status.text';

describe('queue status text', () => {
  test('nothing until the first answer', () => {
    expect(queueLines(null, en)).toEqual([]);
  });

  test('position and wait, rounded up to whole minutes', () => {
    expect(queueLines({ position: 1, estimatedWaitSeconds: 30, isStaffAvailable: true }, en)).toEqual(['You are next.', 'Estimated wait: less than a minute.']);
    expect(queueLines({ position: 3, estimatedWaitSeconds: 61, isStaffAvailable: true }, en)).toEqual([
      'You are number 3 in line.',
      'Estimated wait: about 2 minutes.',
    ]);
    expect(queueLines({ position: 2, estimatedWaitSeconds: 60, isStaffAvailable: true }, es)).toEqual([
      'Es el número 2 en la fila.',
      'Espera estimada: 1 minuto.',
    ]);
  });

  test('no estimate the clinic’s history can back: says so in words, no number', () => {
    expect(queueLines({ position: 2, estimatedWaitSeconds: null, isStaffAvailable: true }, en)).toEqual([
      'You are number 2 in line.',
      'We cannot say yet how long the wait will be; you keep your place.',
    ]);
    expect(queueLines({ position: 2, estimatedWaitSeconds: null, isStaffAvailable: true }, es)[1]).toBe(
      'Aún no podemos decir cuánto durará la espera; conserva su lugar.',
    );
  });

  test('how the answer reaches the patient (shown instead of the queue when the chat was left while closed or nobody is available)', () => {
    expect(en.answerWhere(false)).toBe('To read our answer, come back to this page in this browser.');
    expect(en.answerWhere(true)).toBe('To read our answer, sign in to our website again.');
    expect(es.answerWhere(false)).toBe('Para leer la respuesta, vuelva a esta página en este navegador.');
    expect(es.answerWhere(true)).toBe('Para leer la respuesta, vuelva a iniciar sesión en nuestro sitio.');
  });
});
