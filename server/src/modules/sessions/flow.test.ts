import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { useTestApp, guest, login } from '../../../../tests/helpers/app';

// A fresh database and server per file: allow for a loaded CI machine.
setDefaultTimeout(60_000);

const t = useTestApp();

describe('the seed scenario over the JSON API', () => {
  test('available → start → assigned → messages → leave → reassigned → end, with history', async () => {
    const joy = await login(t, 'nurse.joy@demo.clinic');
    const sam = await login(t, 'nurse.sam@demo.clinic');
    expect((await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } })).status).toBe(200);

    const pat = await guest(t, 'Pat');
    const started = await t.call('POST', '/api/v1/sessions', { token: pat.token, body: { reason: 'Sore throat' } });
    expect(started.status).toBe(201);
    expect(started.body.status).toBe('active');
    expect(started.body.employee.id).toBe(joy.user.id);
    const id = started.body.id;

    const m1 = await t.call('POST', `/api/v1/sessions/${id}/messages`, { token: pat.token, body: { clientMsgId: 'p1', body: 'Hello' } });
    expect(m1.status).toBe(201);
    const m2 = await t.call('POST', `/api/v1/sessions/${id}/messages`, { token: joy.token, body: { clientMsgId: 'j1', body: 'Hi Pat' } });
    expect(m2.body.seq).toBe(m1.body.seq + 1);

    await t.call('PUT', '/api/v1/employees/me/availability', { token: sam.token, body: { availability: 'available' } });
    const left = await t.call('POST', `/api/v1/sessions/${id}/leave`, { token: joy.token, body: {} });
    expect(left.status).toBe(200);
    expect(left.body.employee.id).toBe(sam.user.id);

    const ended = await t.call('POST', `/api/v1/sessions/${id}/end`, { token: pat.token });
    expect(ended.body.status).toBe('ended');

    const history = await t.call('GET', `/api/v1/sessions/${id}/assignments`, { token: sam.token });
    expect(history.body.assignments.map((a: any) => [a.employee.id, a.startReason, a.endReason])).toEqual([
      [joy.user.id, 'session_started', 'left'],
      [sam.user.id, 'after_leave', 'session_ended'],
    ]);
    const page = await t.call('GET', `/api/v1/sessions/${id}/messages?after=0`, { token: pat.token });
    expect(page.body.messages.map((m: any) => m.seq)).toEqual(page.body.messages.map((_: unknown, i: number) => i + 1));
  });
});
