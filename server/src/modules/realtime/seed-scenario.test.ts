import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { useTestServer } from '../../../../tests/helpers/server';
import { TestSocket } from '../../../../tests/helpers/socket';

// A fresh database and server per file: allow for a loaded CI machine.
setDefaultTimeout(60_000);

const s = useTestServer();

describe('the seed scenario over sockets', () => {
  test('employee waits → patient starts → push → chat → leave → other employee pushed → patient ends', async () => {
    const joy = await s.login('nurse.joy@demo.clinic');
    const sam = await s.login('nurse.sam@demo.clinic');
    const joyWs = await TestSocket.open(s.wsUrl, joy.token);
    const samWs = await TestSocket.open(s.wsUrl, sam.token);
    expect((await joyWs.request({ type: 'availability.set', availability: 'available' })).type).toBe('ack');

    const pat = await s.guest('Pat');
    const patWs = await TestSocket.open(s.wsUrl, pat.token);
    const started = await s.call('POST', '/api/v1/sessions', { token: pat.token, body: { reason: 'Rash' } });
    const id = started.body.id as string;

    const pushed = await joyWs.waitFor((e) => e.type === 'employee.assigned');
    expect(pushed.type === 'employee.assigned' && pushed.session.id).toBe(id);
    await patWs.waitFor((e) => e.type === 'session.assigned');

    expect((await patWs.request({ type: 'subscribe', sessionId: id, lastSeq: 0 })).type).toBe('ack');
    expect((await joyWs.request({ type: 'subscribe', sessionId: id, lastSeq: 0 })).type).toBe('ack');
    const sent = await patWs.request({ type: 'message.send', sessionId: id, clientMsgId: 'c1', body: 'I have a rash' });
    expect(sent.type === 'ack' && sent.message?.body).toBe('I have a rash');
    await joyWs.waitFor((e) => e.type === 'message.created' && e.message.body === 'I have a rash');
    await joyWs.request({ type: 'message.send', sessionId: id, clientMsgId: 'j1', body: 'Since when?' });
    await patWs.waitFor((e) => e.type === 'message.created' && e.message.body === 'Since when?');

    await samWs.request({ type: 'availability.set', availability: 'available' });
    expect((await s.call('POST', `/api/v1/sessions/${id}/leave`, { token: joy.token, body: {} })).status).toBe(200);
    const samPush = await samWs.waitFor((e) => e.type === 'employee.assigned');
    expect(samPush.type === 'employee.assigned' && samPush.assignment.startReason).toBe('after_leave');
    await joyWs.waitFor((e) => e.type === 'employee.unassigned');
    const transfer = await patWs.waitFor((e) => e.type === 'session.assigned' && e.employee.id === sam.user.id);
    expect(transfer.type === 'session.assigned' && transfer.previousEmployee?.id).toBe(joy.user.id);

    await samWs.request({ type: 'subscribe', sessionId: id, lastSeq: 0 });
    expect((await s.call('POST', `/api/v1/sessions/${id}/end`, { token: pat.token })).status).toBe(200);
    await patWs.waitFor((e) => e.type === 'session.ended');
    await samWs.waitFor((e) => e.type === 'session.ended');

    // Every client saw every message once, in seq order.
    for (const ws of [patWs, samWs]) {
      const seqs = ws.messages(id).map((m) => m.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    }
    for (const ws of [joyWs, samWs, patWs]) ws.close();
  });

  test('frames sent back to back without waiting are stored in the order they were sent, and delivered so', async () => {
    const joy = await s.login('nurse.joy@demo.clinic');
    const joyWs = await TestSocket.open(s.wsUrl, joy.token);
    await joyWs.request({ type: 'availability.set', availability: 'available' });
    const pat = await s.guest('Quick typist');
    const id = (await s.call('POST', '/api/v1/sessions', { token: pat.token, body: { reason: 'Order' } })).body.id as string;
    const patWs = await TestSocket.open(s.wsUrl, pat.token);
    await joyWs.waitFor((e) => e.type === 'employee.assigned' && e.session.id === id);
    expect((await joyWs.request({ type: 'subscribe', sessionId: id, lastSeq: 0 })).type).toBe('ack');

    const ids = Array.from({ length: 30 }, (_, i) => `burst-${i}`);
    const acks = await Promise.all(ids.map((clientMsgId, i) => patWs.request({ type: 'message.send', sessionId: id, clientMsgId, body: `line ${i}` })));
    const seqs = acks.map((a) => (a.type === 'ack' ? a.message?.seq : undefined));
    expect(seqs).toEqual([...seqs].sort((a, b) => a! - b!));
    await joyWs.waitFor((e) => e.type === 'message.created' && e.message.clientMsgId === 'burst-29');
    expect(
      joyWs
        .messages(id)
        .filter((m) => m.clientMsgId?.startsWith('burst-'))
        .map((m) => m.clientMsgId),
    ).toEqual(ids);
    for (const ws of [joyWs, patWs]) ws.close();
  });

  test('a bad token never opens a socket; a bad frame gets a typed error and the socket lives', async () => {
    await expect(TestSocket.open(s.wsUrl, 'forged')).rejects.toThrow();
    const pat = await s.guest();
    const ws = await TestSocket.open(s.wsUrl, pat.token);
    ws.send('not json');
    await ws.waitFor((e) => e.type === 'error' && e.code === 'invalid_request');
    const r = await ws.request({ type: 'subscribe', sessionId: crypto.randomUUID(), lastSeq: 0 });
    expect(r.type === 'error' && r.code).toBe('session_not_found');
    ws.close();
  });

  test('a patient socket from an origin the clinic does not allow is refused', async () => {
    const pat = await s.guest();
    await expect(TestSocket.open(s.wsUrl, pat.token, { origin: 'https://evil.example' })).rejects.toThrow();
    const ok = await TestSocket.open(s.wsUrl, pat.token, { origin: 'http://clinic.test' });
    ok.close();
  });
});
