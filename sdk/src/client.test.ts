import { describe, expect, test } from 'bun:test';
import { MedChat, type ClientEvents, type EventOf, type MedChatOptions } from './index';

describe('MedChat surface', () => {
  test('accepts the platform WebSocket and fetch as they are', () => {
    const options: MedChatOptions = { baseUrl: 'http://x.test/', WebSocket: globalThis.WebSocket, fetch: globalThis.fetch };
    const client = new MedChat(options);
    expect(client.state).toBe('idle');
    expect(client.auth.user).toBeNull();
    for (const resource of ['auth', 'clinics', 'sessions', 'messages', 'employees', 'assignments', 'queue'] as const) expect(client[resource]).toBeDefined();
  });

  test('event handlers are typed by event type', () => {
    const client = new MedChat({ baseUrl: 'http://x.test' });
    const off = client.on('message.created', (e: EventOf<'message.created'>) => e.message.seq);
    client.on('state', (e) => e.state satisfies 'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline');
    // @ts-expect-error: acks answer the frame that asked; they are not events.
    client.on('ack', () => {});
    // @ts-expect-error: unknown event types do not compile.
    client.on('message.sent', () => {});
    off();
    const keys: (keyof ClientEvents)[] = ['state', 'error', 'queue.changed'];
    expect(keys.length).toBe(3);
  });

  test('connecting while signed out goes offline with an unauthorized error', () => {
    const client = new MedChat({ baseUrl: 'http://x.test', WebSocket: globalThis.WebSocket });
    const codes: string[] = [];
    client.on('error', (e) => codes.push(e.code));
    client.connect();
    expect(client.state).toBe('offline');
    expect(codes).toEqual(['unauthorized']);
  });
});
