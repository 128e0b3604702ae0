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

  test('nobody available: says so instead of an estimate', () => {
    expect(queueLines({ position: 1, estimatedWaitSeconds: 300, isStaffAvailable: false }, en)).toEqual([
      'You are next.',
      'No one is available right now. You stay in the queue; we will answer as soon as someone is.',
    ]);
  });
});
