/** The seed's whole scenario driven only through @medchat/sdk against a real server on a fresh database. */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { MedChat, isMedChatError, type ServerEvent } from '@medchat/sdk';
import { DEMO_PASSWORD } from '../../server/src/db/seed';
import { useTestServer } from '../helpers/server';
import { until } from '../helpers/until';

setDefaultTimeout(60_000);
const s = useTestServer();

/** Resolves with the first event of `type` the client emits that passes `where`. */
function next<T extends ServerEvent['type']>(client: MedChat, type: T, where: (e: Extract<ServerEvent, { type: T }>) => boolean = () => true) {
  return new Promise<Extract<ServerEvent, { type: T }>>((resolve) => {
    const off = client.on(
      type as never,
      ((e: Extract<ServerEvent, { type: T }>) => {
        if (!where(e)) return;
        off();
        resolve(e);
      }) as never,
    );
  });
}

describe('the SDK against a real server', () => {
  test('employee waits → patient starts → push → chat → leave → the other employee is pushed → patient ends', async () => {
    const joy = new MedChat({ baseUrl: s.url });
    const sam = new MedChat({ baseUrl: s.url });
    const patient = new MedChat({ baseUrl: s.url });
    await joy.auth.login({ email: 'nurse.joy@demo.clinic', password: DEMO_PASSWORD });
    await sam.auth.login({ email: 'nurse.sam@demo.clinic', password: DEMO_PASSWORD });
    joy.connect();
    sam.connect();
    await until(() => joy.state === 'open' && sam.state === 'open', 'both sockets to open');
    await joy.employees.setAvailability('available');

    await patient.auth.guest({ siteKey: 'demo', displayName: 'Pat' });
    const joyPushed = next(joy, 'employee.assigned');
    const session = await patient.sessions.start({ reason: 'Earache' });
    expect((await joyPushed).session.id).toBe(session.id);

    const patientChat = patient.chat(session.id);
    const joyChat = joy.chat(session.id);
    const stored = await patientChat.send('My ear hurts');
    expect(stored.seq).toBeGreaterThan(0);
    await until(() => joyChat.messages.some((m) => m.body === 'My ear hurts'), 'Joy to see the patient');
    await joyChat.send('Which side?');
    await until(() => patientChat.messages.some((m) => m.body === 'Which side?'), 'the patient to see Joy');

    await sam.employees.setAvailability('available');
    const samPushed = next(sam, 'employee.assigned');
    const joyReleased = next(joy, 'employee.unassigned');
    await joy.sessions.leave(session.id, { note: 'shift change' });
    expect((await samPushed).assignment.startReason).toBe('after_leave');
    expect((await joyReleased).reason).toBe('left');

    const samChat = sam.chat(session.id);
    await until(() => samChat.messages.some((m) => m.body === 'Which side?'), 'Sam to see the history');
    await samChat.send('Hi, I am taking over');
    await until(() => patientChat.messages.some((m) => m.body === 'Hi, I am taking over'), 'the patient to see Sam');

    const samSeesEnd = next(sam, 'session.ended');
    await patient.sessions.end(session.id);
    expect((await samSeesEnd).session.status).toBe('ended');
    await until(() => patientChat.session?.status === 'ended', 'the session to end');

    const history = await sam.assignments.list(session.id);
    expect(history.map((a) => [a.employee.displayName, a.startReason, a.endReason])).toEqual([
      ['Nurse Joy', 'session_started', 'left'],
      ['Nurse Sam', 'after_leave', 'session_ended'],
    ]);
    const seqs = patientChat.messages.map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));

    // Refused sends are typed errors carrying the server's code.
    const refused = await patientChat.send('still there?').catch((e: unknown) => e);
    expect(isMedChatError(refused) && refused.code).toBe('session_ended');
    for (const c of [joy, sam, patient]) c.disconnect();
  });

  test('bad input and forbidden access are typed errors', async () => {
    const a = new MedChat({ baseUrl: s.url });
    const b = new MedChat({ baseUrl: s.url });
    await a.auth.guest({ siteKey: 'demo', displayName: 'A' });
    await b.auth.guest({ siteKey: 'demo', displayName: 'B' });
    const mine = await a.sessions.start({ reason: 'Mine' });
    const denied = await b.sessions.get(mine.id).catch((e: unknown) => e);
    expect(isMedChatError(denied) && [denied.code, denied.status]).toEqual(['session_not_found', 404]);
    const tooLong = await a.messages.send(mine.id, { body: 'x'.repeat(4001) }).catch((e: unknown) => e);
    expect(isMedChatError(tooLong) && [tooLong.code, tooLong.status]).toEqual(['message_too_long', 422]);
    const badLogin = await a.auth.login({ email: 'nurse.joy@demo.clinic', password: 'nope' }).catch((e: unknown) => e);
    expect(isMedChatError(badLogin) && badLogin.code).toBe('invalid_credentials');
  });
});
