import { describe, expect, test } from 'bun:test';
import { MedChat, type ClientEvents, type EventOf, type MedChatOptions } from './index';
import { patientMe } from './testing/setup';

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
    // The client's own events are names of the same type (checked by the type check, like the lines above).
    void (['state', 'error', 'queue.changed'] satisfies (keyof ClientEvents)[]);
  });

  test("the browser's online listener lives from connect() to disconnect(): clients replaced one after another (the widget reconfiguring) leave none behind", () => {
    const online = new Set<unknown>();
    const { addEventListener: add, removeEventListener: remove } = globalThis;
    globalThis.addEventListener = ((type: string, listener: unknown) => void (type === 'online' && online.add(listener))) as typeof add;
    globalThis.removeEventListener = ((type: string, listener: unknown) => void (type === 'online' && online.delete(listener))) as typeof remove;
    try {
      for (let i = 0; i < 5; i++) {
        const client = new MedChat({ baseUrl: 'http://x.test', WebSocket: globalThis.WebSocket });
        client.connect();
        expect(online.size).toBe(1);
        client.disconnect();
      }
      expect(online.size).toBe(0);
    } finally {
      globalThis.addEventListener = add;
      globalThis.removeEventListener = remove;
    }
  });

  test('connecting while signed out goes offline with an unauthorized error', () => {
    const client = new MedChat({ baseUrl: 'http://x.test', WebSocket: globalThis.WebSocket });
    const codes: string[] = [];
    client.on('error', (e) => codes.push(e.code));
    client.connect();
    expect(client.state).toBe('offline');
    expect(codes).toEqual(['unauthorized']);
  });

  test("auth.resume signs the link's patient in; a spent link answers why and keeps whoever was signed in", async () => {
    const user = { ...patientMe, id: 'u1' };
    const answers: unknown[] = [
      { token: 'guest', expiresAt: '2999-01-01T00:00:00Z', user },
      { token: 'resumed', expiresAt: '2999-01-01T00:00:00Z', user: { ...user, id: 'u2' }, sessionId: 's1' },
      { spent: 'link_used' },
    ];
    const sent: string[] = [];
    const client = new MedChat({
      baseUrl: 'http://x.test',
      fetch: async (url, init) => (sent.push(`${url} ${init?.body}`), Response.json(answers.shift())),
    });
    await client.auth.guest({ siteKey: 'demo', displayName: 'Pat' });
    expect(await client.auth.resume({ siteKey: 'demo', token: 'n.sig' })).toMatchObject({ sessionId: 's1' });
    expect([client.auth.token, client.auth.user?.id]).toEqual(['resumed', 'u2']);
    expect(await client.auth.resume({ siteKey: 'demo', token: 'n.sig' })).toEqual({ spent: 'link_used' });
    expect([client.auth.token, client.auth.user?.id]).toEqual(['resumed', 'u2']);
    expect(sent[1]).toBe('http://x.test/api/v1/auth/resume {"siteKey":"demo","token":"n.sig"}');
  });
});
