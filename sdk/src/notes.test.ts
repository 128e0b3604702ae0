/**
 * `@medchat/sdk/notes` and the admin's quick replies against a real server: a note written with a mention reaches the
 * mentioned colleague's client as `note.mentioned` and is listed for staff; a patient's client is refused; quick
 * replies made by the admin are listed for staff.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { EventOf } from './protocol/events';
import { MedChatNotes } from './notes';
import { MedChat, isMedChatError } from './index';
import { signedInClient, useTestServer } from '../../tests/helpers/server';
import { until } from '../../tests/helpers/until';

setDefaultTimeout(60_000);
const s = useTestServer();

const signedIn = (email: string) => signedInClient(s.url, email);

describe('MedChatNotes', () => {
  test('a note with a mention: the colleague is told on their socket, staff list it, a patient is refused', async () => {
    const joy = await signedIn('nurse.joy@demo.clinic');
    const sam = await signedIn('nurse.sam@demo.clinic');
    const patient = new MedChat({ baseUrl: s.url, retry: { maxRetries: 0 } });
    await patient.auth.guest({ siteKey: 'demo', displayName: 'Pat SDK' });
    await joy.employees.setAvailability('available');
    const session = await patient.sessions.start({ reason: 'Rash' });

    const mentions: Array<EventOf<'note.mentioned'>> = [];
    sam.on('note.mentioned', (e) => mentions.push(e));
    sam.connect();
    await until(() => sam.state === 'open', 'sam connected');
    const me = await sam.auth.me();

    const note = await new MedChatNotes(joy).notes.create(session.id, { body: 'Please check the rash photo', mentions: [me.id] });
    expect(note).toMatchObject({ body: 'Please check the rash photo', mentions: [{ id: me.id, displayName: 'Nurse Sam' }] });
    await until(() => mentions.length === 1, 'the mention');
    expect(mentions[0]!.note).toEqual(note);
    expect(await new MedChatNotes(sam).notes.list(session.id)).toEqual([note]);
    const refused = await new MedChatNotes(patient).notes.list(session.id).catch((e) => e);
    expect(isMedChatError(refused) && refused.code).toBe('forbidden');
    sam.disconnect();
  });

  test('quick replies: the admin creates, updates and removes them; staff list them', async () => {
    const admin = new MedChatNotes(await signedIn('admin@demo.clinic'));
    const staff = new MedChatNotes(await signedIn('nurse.joy@demo.clinic'));
    const reply = await admin.quickReplies.create({ shortcut: 'hours', body: 'We are open 8 to 18.' });
    expect((await staff.quickReplies.list()).map((r) => r.shortcut)).toEqual(['hours']);
    expect((await admin.quickReplies.update(reply.id, { body: 'Open 8 to 20.' })).body).toBe('Open 8 to 20.');
    const taken = await admin.quickReplies.create({ shortcut: 'HOURS', body: 'x' }).catch((e) => e);
    expect(isMedChatError(taken) && taken.code).toBe('conflict');
    await admin.quickReplies.remove(reply.id);
    expect(await staff.quickReplies.list()).toEqual([]);
    const { clinic } = await staff.quickReplies.library();
    expect(clinic).toEqual({ name: expect.any(String), phone: null });
  });

  test('viewing: colleagues with the chat open are pushed as session.viewers, and a new socket says it again', async () => {
    const joy = await signedIn('nurse.joy@demo.clinic');
    const admin = await signedIn('admin@demo.clinic');
    const patient = new MedChat({ baseUrl: s.url, retry: { maxRetries: 0 } });
    await patient.auth.guest({ siteKey: 'demo', displayName: 'Pat Viewed' });
    // Room for this chat beside the first test's.
    const adminToken = (await s.login('admin@demo.clinic')).token;
    await s.call('PATCH', `/api/v1/employees/${(await joy.auth.me()).id}`, { token: adminToken, body: { capacity: 5 } });
    await joy.employees.setAvailability('available');
    const session = await patient.sessions.start({ reason: 'Cough' });
    expect(session.employee?.displayName).toBe('Nurse Joy');
    const seen: string[][] = [];
    joy.on('session.viewers', (e) => e.sessionId === session.id && seen.push(e.viewers.map((v) => v.displayName)));
    for (const c of [joy, admin]) c.connect();
    await until(() => joy.state === 'open' && admin.state === 'open', 'both connected');
    const [joyExtras, adminExtras] = [new MedChatNotes(joy), new MedChatNotes(admin)];
    joyExtras.view(session.id);
    await until(() => seen.at(-1)?.join() === 'Nurse Joy', 'Joy alone');
    adminExtras.view(session.id);
    await until(() => seen.at(-1)?.join() === 'Dr. Ada Admin,Nurse Joy', 'the admin too');
    // Unviewing another session changes nothing; this one, it stops.
    adminExtras.unview(crypto.randomUUID());
    adminExtras.unview(session.id);
    await until(() => seen.at(-1)?.join() === 'Nurse Joy', 'the admin gone');
    // Joy's connection drops and comes back: her console still shows the chat, and says so again.
    joy.disconnect();
    adminExtras.view(session.id);
    joy.connect();
    await until(() => seen.at(-1)?.join() === 'Dr. Ada Admin,Nurse Joy', 'Joy back, viewing again');
    for (const c of [joy, admin]) c.disconnect();
  });
});
