import { describe, expect, test } from 'bun:test';
import type { Message } from '@medchat/sdk/patient';
import { en } from '../translations/en';
import { es } from '../translations/es';
import { formatTranscript, transcriptFileName } from './transcript';

const PATIENT = { id: 'p1', role: 'patient' as const, displayName: 'Pat' };
const NURSE = { id: 'e1', role: 'employee' as const, displayName: 'Nurse Joy' };
let seq = 0;
const msg = (over: Partial<Message>): Message => ({
  id: `m${++seq}`,
  sessionId: 's1',
  seq,
  kind: 'text',
  sender: PATIENT,
  body: '',
  system: null,
  clientMsgId: null,
  createdAt: '2025-05-01T14:05:00.000Z',
  ...over,
});

describe('transcript', () => {
  const messages = [
    msg({ body: 'Hello, I have a rash.' }),
    msg({ kind: 'system', sender: null, system: { event: 'session.assigned', employeeName: 'Nurse Joy' } }),
    msg({ sender: NURSE, body: 'Hi Pat!\nSince when?' }),
    msg({ sender: NURSE, body: '<img src=x onerror=alert(1)>' }),
  ];

  test('one line per message, own lines as "You", system lines localized', () => {
    const text = formatTranscript({ clinicName: 'Riverside', messages, selfId: 'p1', t: en, timeZone: 'UTC' });
    expect(text).toBe(
      [
        'Chat transcript: Riverside',
        '',
        '[2025-05-01 14:05] You: Hello, I have a rash.',
        '[2025-05-01 14:05] Notice: You are now chatting with Nurse Joy.',
        '[2025-05-01 14:05] Nurse Joy: Hi Pat!',
        '    Since when?',
        '[2025-05-01 14:05] Nurse Joy: <img src=x onerror=alert(1)>',
        '',
      ].join('\n'),
    );
  });

  test("a message's files are named, each on an indented line of its own, with or without text", () => {
    const file = (name: string) => ({ id: name, kind: 'image' as const, contentType: 'image/jpeg', name, size: 1, width: 1, height: 1, thumbnail: true });
    const withFiles = [msg({ body: 'My rash', attachments: [file('rash.jpg'), file('arm.jpg')] }), msg({ sender: NURSE, attachments: [file('care.png')] })];
    const text = formatTranscript({ clinicName: 'Riverside', messages: withFiles, selfId: 'p1', t: en, timeZone: 'UTC' });
    expect(text.split('\n').slice(2, 6)).toEqual([
      '[2025-05-01 14:05] You: My rash',
      '    [Attached file: rash.jpg]',
      '    [Attached file: arm.jpg]',
      '[2025-05-01 14:05] Nurse Joy: [Attached file: care.png]',
    ]);
    expect(formatTranscript({ clinicName: 'R', messages: withFiles.slice(1), selfId: 'p1', t: es, timeZone: 'UTC' })).toContain(
      'Nurse Joy: [Archivo adjunto: care.png]',
    );
  });

  test('sorted by seq whatever the input order; localized', () => {
    const text = formatTranscript({ clinicName: 'Riverside', messages: [...messages].reverse(), selfId: 'p1', t: es, timeZone: 'UTC' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Transcripción del chat: Riverside');
    expect(lines[2]).toContain('Usted: Hello');
    expect(lines[3]).toContain('Aviso: Ahora conversa con Nurse Joy.');
  });

  test('file name carries the date', () => {
    expect(transcriptFileName(new Date('2025-05-01T10:00:00Z'))).toBe('medchat-transcript-2025-05-01.txt');
  });
});
