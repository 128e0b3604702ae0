import { describe, expect, test } from 'bun:test';
import { en } from '../../translations/en';
import { es } from '../../translations/es';
import { queueLines } from './queue-status.text';

describe('queue status text', () => {
  test('nothing until the first answer', () => {
    expect(queueLines(null, en)).toEqual([]);
  });

  test('position and wait, rounded up to whole minutes', () => {
    expect(queueLines({ position: 1, estimatedWaitSeconds: 30 }, en)).toEqual(['You are next.', 'Estimated wait: less than a minute.']);
    expect(queueLines({ position: 3, estimatedWaitSeconds: 61 }, en)).toEqual(['You are number 3 in line.', 'Estimated wait: about 2 minutes.']);
    expect(queueLines({ position: 2, estimatedWaitSeconds: 60 }, es)).toEqual(['Es el número 2 en la fila.', 'Espera estimada: 1 minuto.']);
  });
});
