/**
 * Reply emails against a real SMTP server on loopback: exactly what is sent (and that nothing of the chat is in it),
 * one email and one reminder at most, nothing without consent or once the patient saw the reply, the link's single
 * use and expiry, unsubscribing, and a hard SMTP failure stopping mail to that address.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createTestApp, guest, login, type TestApp } from '../../../../tests/helpers/app';
import { onPostgres } from '../../../../tests/helpers/database';
import { query } from '../../../../tests/helpers/digest';
import { header, SmtpReceiver } from '../../../../tests/helpers/smtp-receiver';
import { signIdentityToken } from '../../lib/identity-token';
import { purgeEmailLog } from './cleanup';
import { dispatchEmails } from './dispatcher';
import { createMailer, type Mailer } from './mailer';

setDefaultTimeout(60_000);

type Who = { token: string; user: { id: string } };
let t: TestApp;
let admin: Who, joy: Who;
let mailer: Mailer;
const smtp = new SmtpReceiver();

beforeAll(async () => {
  const url = await smtp.start();
  t = await createTestApp({ SMTP_URL: url, SMTP_FROM: 'care@mail.clinic.example', PUBLIC_URL: 'https://chat.clinic.example' });
  mailer = createMailer(t.ctx.config)!;
  admin = await login(t, 'admin@demo.clinic');
  joy = await login(t, 'nurse.joy@demo.clinic');
  const res = await t.call('PATCH', '/api/v1/clinic/settings', {
    token: admin.token,
    body: { emailNotify: true, emailPageUrl: 'https://clinic.example/chat?lang=en', emailSenderName: 'Demo Care Team' },
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ emailNotify: true, emailFirstDelayMinutes: 5, emailReminderMinutes: 60 });
}, 60_000);
afterAll(async () => {
  mailer?.close();
  await t?.close();
  await smtp.stop();
});

const say = (who: Who, sessionId: string, body: string) =>
  t.call('POST', `/api/v1/sessions/${sessionId}/messages`, { token: who.token, body: { clientMsgId: crypto.randomUUID(), body } });
const rows = (sessionId: string) =>
  query<{ kind: string; status: string; attempts: number }>(
    t.ctx.db,
    sql`select kind, status, attempts from email_notifications where session_id = ${sessionId} order by kind`,
  );
/** Makes the session's due emails of `kind` due now, as if their delay had passed. */
const makeDue = (sessionId: string, kind: 'first' | 'reminder') =>
  t.ctx.db.execute(sql`update email_notifications set next_attempt_at = now() - interval '1 second' where session_id = ${sessionId} and kind = ${kind}`);
async function drain() {
  while ((await dispatchEmails(t.ctx, mailer)) > 0);
}

/** A patient with a chat held by Joy, who replies once. */
async function chat(name: string, reason: string, notifyEmail?: string) {
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  const patient = await guest(t, name);
  const started = await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason, ...(notifyEmail ? { notifyEmail } : {}) } });
  expect(started.status).toBe(201);
  const id = started.body.id as string;
  return { id, patient };
}
const end = (who: Who, id: string) => t.call('POST', `/api/v1/sessions/${id}/end`, { token: who.token });
const linkOf = (raw: string) => {
  const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  return new URL(text.match(/https:\/\/clinic\.example\/chat\?[^\s"<]+/)![0].replace(/&amp;/g, '&'));
};

test('one content-free email after the first delay, then one reminder, and no more that day', async () => {
  const { id, patient } = await chat('Zebedee Quokkafeather', 'canary reason: xylophone rash', 'inbox1@mail.example');
  expect((await say(patient, id, 'canary text: ocelot cough')).status).toBe(201);
  expect((await say(joy, id, 'canary reply: platypus ointment')).status).toBe(201);
  expect(await rows(id)).toEqual([
    { kind: 'first', status: 'pending', attempts: 0 },
    { kind: 'reminder', status: 'pending', attempts: 0 },
  ]);
  await drain();
  expect(smtp.to('inbox1@mail.example')).toHaveLength(0); // not due before five minutes

  await makeDue(id, 'first');
  await drain();
  const [first] = smtp.to('inbox1@mail.example');
  expect(smtp.to('inbox1@mail.example')).toHaveLength(1);
  const raw = first!.raw;
  const [notification] = await query<{ id: string }>(t.ctx.db, sql`select id from email_notifications where session_id = ${id} and kind = 'first'`);
  expect(first!.from).toBe('care@mail.clinic.example');
  expect(header(raw, 'From')).toBe('Demo Care Team <care@mail.clinic.example>');
  expect(header(raw, 'To')).toBe('inbox1@mail.example');
  expect(header(raw, 'Subject')).toBe('You have a new message');
  expect(header(raw, 'Message-ID')).toBe(`<${notification!.id}@mail.clinic.example>`);
  expect(header(raw, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
  expect(header(raw, 'List-Unsubscribe')).toMatch(/^<https:\/\/chat\.clinic\.example\/email\/unsubscribe\?token=[\w.-]+>/);
  const link = linkOf(raw);
  expect(link.searchParams.get('lang')).toBe('en');
  expect(link.searchParams.get('medchat_resume')).toMatch(/^[0-9a-f-]{36}\.[\w-]{43}$/);
  const token = link.searchParams.get('medchat_resume')!;
  const unsubscribe = header(raw, 'List-Unsubscribe')!.split(/[<>]/)[1]!;
  const textPart = raw.split('Content-Transfer-Encoding: quoted-printable\r\n\r\n')[1]!.split('\r\n\r\n----')[0]!;
  expect(textPart.replace(/=\r\n/g, '').replace(/=3D/g, '=')).toBe(
    [
      'You have a new message from Riverside Family Clinic.',
      '',
      'Open it here (the link works once, for 24 hours):',
      `https://clinic.example/chat?lang=en&medchat_resume=${token}`,
      '',
      'To stop these emails:',
      unsubscribe,
    ].join('\r\n'),
  );
  for (const phi of ['Zebedee', 'Quokkafeather', 'xylophone', 'rash', 'ocelot', 'cough', 'platypus', 'ointment', 'Joy', 'joined'])
    expect(raw.replace(/=\r\n/g, '').toLowerCase()).not.toContain(phi.toLowerCase());

  // The same reply's reminder, an hour on; then another reply the same day makes nothing new.
  await makeDue(id, 'reminder');
  await drain();
  expect(smtp.to('inbox1@mail.example')).toHaveLength(2);
  expect(smtp.to('inbox1@mail.example')[1]!.raw).toContain('A reminder: you have a new message');
  expect((await say(joy, id, 'another reply')).status).toBe(201);
  await makeDue(id, 'first');
  await makeDue(id, 'reminder');
  await drain();
  expect(smtp.to('inbox1@mail.example')).toHaveLength(2);
  expect((await rows(id)).map((r) => r.status)).toEqual(['sent', 'sent']);
  await end(patient, id);
});

test('no address given: nothing is due; the patient saw the reply: nothing is sent', async () => {
  const quiet = await chat('No Consent', 'a reason');
  expect((await say(joy, quiet.id, 'hello')).status).toBe(201);
  expect(await rows(quiet.id)).toEqual([]);
  await end(quiet.patient, quiet.id);

  const seen = await chat('Seen It', 'a reason', 'seen@mail.example');
  const reply = await say(joy, seen.id, 'hello');
  expect((await t.call('POST', `/api/v1/sessions/${seen.id}/read`, { token: seen.patient.token, body: { seq: reply.body.seq } })).status).toBe(204);
  await makeDue(seen.id, 'first');
  await makeDue(seen.id, 'reminder');
  await drain();
  expect(smtp.to('seen@mail.example')).toHaveLength(0);
  expect((await rows(seen.id)).map((r) => r.status)).toEqual(['seen', 'seen']);
  // A later unseen reply the same day arms them again.
  expect((await say(joy, seen.id, 'one more')).status).toBe(201);
  expect((await rows(seen.id)).map((r) => r.status)).toEqual(['pending', 'pending']);
  await end(seen.patient, seen.id);
});

test('the link opens the same conversation once, within 24 hours; used or expired, it says so', async () => {
  const { id, patient } = await chat('Link Patient', 'a reason', 'link@mail.example');
  expect((await say(joy, id, 'hello')).status).toBe(201);
  await makeDue(id, 'first');
  await drain();
  const token = linkOf(smtp.to('link@mail.example')[0]!.raw).searchParams.get('medchat_resume')!;
  expect((await t.call('POST', '/api/v1/auth/resume', { body: { siteKey: 'other', token } })).body.error.code).toBe('link_invalid');
  expect((await t.call('POST', '/api/v1/auth/resume', { body: { siteKey: 'demo', token: `${token}x` } })).body.error.code).toBe('link_invalid');
  const redeemed = await t.call('POST', '/api/v1/auth/resume', { body: { siteKey: 'demo', token } });
  expect(redeemed.status).toBe(200);
  expect(redeemed.body.sessionId).toBe(id);
  expect(redeemed.body.user.id).toBe(patient.user.id);
  const history = await t.call('GET', `/api/v1/sessions/${id}/messages`, { token: redeemed.body.token });
  expect(history.status).toBe(200);
  const again = await t.call('POST', '/api/v1/auth/resume', { body: { siteKey: 'demo', token } });
  // A normal case, not an error (a browser would log a 4xx): 200, nobody signed in, and why.
  expect([again.status, again.body]).toEqual([200, { spent: 'link_used' }]);

  // The reminder's link, followed 25 hours later.
  await makeDue(id, 'reminder');
  await drain();
  const late = linkOf(smtp.to('link@mail.example')[1]!.raw).searchParams.get('medchat_resume')!;
  const clock = t.ctx.clock;
  t.ctx.clock = () => new Date(Date.now() + 25 * 60 * 60 * 1000);
  try {
    const expired = await t.call('POST', '/api/v1/auth/resume', { body: { siteKey: 'demo', token: late } });
    expect([expired.status, expired.body]).toEqual([200, { spent: 'link_expired' }]);
  } finally {
    t.ctx.clock = clock;
  }
  await end(patient, id);
});

test('unsubscribe (the page, then one click) stops mail to that address; a 5xx stops it too', async () => {
  const first = await chat('Unsub Patient', 'a reason', 'leave@mail.example');
  expect((await say(joy, first.id, 'hello')).status).toBe(201);
  await makeDue(first.id, 'first');
  await drain();
  const raw = smtp.to('leave@mail.example')[0]!.raw;
  const target = header(raw, 'List-Unsubscribe')!.split(/[<>]/)[1]!;
  const path = new URL(target).pathname + new URL(target).search;
  const page = await t.app.handle(new Request(`http://localhost${path}`));
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<form method="post"');
  const click = await t.app.handle(
    new Request(`http://localhost${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    }),
  );
  expect(click.status).toBe(200);
  expect(await click.text()).toContain('You are unsubscribed');
  const forged = await t.app.handle(new Request(`http://localhost${path.slice(0, -2)}xx`, { method: 'POST' }));
  expect(await forged.text()).toContain('This link is not valid');
  await end(first.patient, first.id);

  const later = await chat('Unsub Patient', 'a reason', 'LEAVE@mail.example');
  expect((await say(joy, later.id, 'hello')).status).toBe(201);
  await makeDue(later.id, 'first');
  await drain();
  expect(smtp.received.filter((r) => r.to.some((a) => a.toLowerCase() === 'leave@mail.example'))).toHaveLength(1);
  expect((await rows(later.id))[0]!.status).toBe('cancelled');
  await end(later.patient, later.id);

  smtp.refuse.add('gone@mail.example');
  const bounced = await chat('Bounce', 'a reason', 'gone@mail.example');
  expect((await say(joy, bounced.id, 'hello')).status).toBe(201);
  await makeDue(bounced.id, 'first');
  await drain();
  expect((await rows(bounced.id))[0]).toMatchObject({ status: 'failed', attempts: 1 });
  await makeDue(bounced.id, 'reminder');
  await drain();
  expect((await rows(bounced.id))[1]!.status).toBe('skipped');
  const listed = await t.call('GET', '/api/v1/emails', { token: admin.token });
  expect(listed.status).toBe(200);
  expect(listed.body.emails.find((e: { sessionId: string; kind: string }) => e.sessionId === bounced.id && e.kind === 'first')).toMatchObject({
    status: 'failed',
    lastError: 'smtp 550',
  });
  expect(JSON.stringify(listed.body)).not.toContain('@mail.example');
  expect((await t.call('GET', '/api/v1/emails', { token: joy.token })).status).toBe(403);
  await end(bounced.patient, bounced.id);
});

test("an identified patient is emailed at their token's address unless they turn it off", async () => {
  const [clinic] = await query<{ identity_secret: string }>(t.ctx.db, sql`select identity_secret from clinics where site_key = 'demo'`);
  const sign = (sub: string) =>
    signIdentityToken(
      { sub, name: 'Ida Identified', email: `${sub}@mail.example`, aud: 'demo', exp: Math.floor(Date.now() / 1000) + 300 },
      clinic!.identity_secret,
    );
  await t.call('PUT', '/api/v1/employees/me/availability', { token: joy.token, body: { availability: 'available' } });
  for (const [sub, notify] of [
    ['ida', undefined],
    ['ivo', false],
  ] as const) {
    const patient = (await t.call('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken: await sign(sub) } })).body;
    // The widget reads it here to offer the address, ticked.
    expect(patient.user.email).toBe(`${sub}@mail.example`);
    const started = await t.call('POST', '/api/v1/sessions', {
      token: patient.token,
      body: { reason: 'a reason', ...(notify === undefined ? {} : { notify }) },
    });
    expect(started.status).toBe(201);
    const contacts = await query<{ email: string; source: string }>(
      t.ctx.db,
      sql`select email, source from session_contacts where session_id = ${started.body.id}`,
    );
    expect(contacts).toEqual(notify === false ? [] : [{ email: `${sub}@mail.example`, source: 'identity' }]);
    await end(patient, started.body.id);
  }
});

describe.skipIf(!onPostgres)('on Postgres', () => {
  test('three dispatchers claiming at once send each due email once', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 12; n++) {
      const { id, patient } = await chat(`Storm ${n}`, 'a reason', `storm${n}@mail.example`);
      expect((await say(joy, id, 'hello')).status).toBe(201);
      await end(patient, id);
      await makeDue(id, 'first');
      ids.push(id);
    }
    const mailers = [createMailer(t.ctx.config)!, createMailer(t.ctx.config)!, createMailer(t.ctx.config)!];
    try {
      for (;;) {
        const claimed = await Promise.all(mailers.map((m) => dispatchEmails(t.ctx, m, { limit: 3 })));
        if (claimed.every((n) => n === 0)) break;
      }
    } finally {
      for (const m of mailers) m.close();
    }
    const storm = smtp.received.filter((r) => r.to[0]!.startsWith('storm'));
    expect(storm.map((r) => r.to[0]).toSorted()).toEqual(ids.map((_, n) => `storm${n}@mail.example`).toSorted());
    const statuses = await query<{ status: string }>(t.ctx.db, sql`select status from email_notifications where kind = 'first' and session_id in ${ids}`);
    expect(statuses.map((s) => s.status)).toEqual(ids.map(() => 'sent'));
  });
});

test('during the chat the patient gives an address, then turns emails off', async () => {
  const { id, patient } = await chat('Later Patient', 'a reason');
  const setContact = (email: string | null, token = patient.token) => t.call('PUT', `/api/v1/sessions/${id}/contact`, { token, body: { email } });
  expect((await setContact('later@mail.example')).status).toBe(204);
  expect((await setContact('later@mail.example', joy.token)).status).toBe(403);
  expect((await say(joy, id, 'hello')).status).toBe(201);
  await makeDue(id, 'first');
  await drain();
  expect(smtp.to('later@mail.example')).toHaveLength(1);
  expect((await setContact(null)).status).toBe(204);
  await makeDue(id, 'reminder');
  await drain();
  expect(smtp.to('later@mail.example')).toHaveLength(1);
  expect((await rows(id)).map((r) => r.status)).toEqual(['sent', 'cancelled']);
  const other = await guest(t, 'Someone Else');
  expect((await setContact('x@mail.example', other.token)).status).toBe(404);
  await end(patient, id);
  expect((await setContact('later@mail.example')).body.error.code).toBe('session_ended');
});

test('settled rows older than 30 days are deleted with their links; pending ones stay', async () => {
  const { id, patient } = await chat('Old Patient', 'a reason', 'old@mail.example');
  expect((await say(joy, id, 'hello')).status).toBe(201);
  await makeDue(id, 'first');
  await drain();
  await t.ctx.db.execute(sql`update email_notifications set created_at = now() - interval '31 days' where session_id = ${id}`);
  expect(await purgeEmailLog(t.ctx.db)).toBeGreaterThanOrEqual(1);
  expect(await rows(id)).toEqual([{ kind: 'reminder', status: 'pending', attempts: 0 }]);
  expect(await query(t.ctx.db, sql`select 1 from resume_links where session_id = ${id}`)).toEqual([]);
  await end(patient, id);
});
