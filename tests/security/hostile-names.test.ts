/**
 * Names are read beside other people's names (the console's lists, the widget's header): over HTTP, every route
 * that takes one refuses bidi controls and invisible format characters, and a name with nothing visible, with 400
 * invalid_request naming the field, and writes nothing. A session's reason refuses bidi embeddings, overrides and
 * isolates; a message body keeps them as written (right-to-left text is legitimate there).
 */
import { beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test';
import { sql } from 'drizzle-orm';
import { signIdentityToken } from '../../server/src/lib/identity-token';
import { guest, login, useTestApp } from '../helpers/app';
import { query } from '../helpers/digest';
import { refusalChecker } from '../helpers/expect';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

const t = useTestApp();
let adminToken: string;
let joyId: string;
beforeAll(async () => {
  adminToken = (await login(t, 'admin@demo.clinic')).token;
  joyId = (await login(t, 'nurse.joy@demo.clinic')).user.id;
});

const refused = refusalChecker(() => t);

/** Each hostile name, with the problem it is refused for. */
const HOSTILE_NAMES: Array<[string, string]> = [
  ['\u202EyoJ esruN', 'invisible_characters'], // right-to-left override: reads "Nurse Joy"
  ['Nurse \u202Aembedded\u202C', 'invisible_characters'],
  ['Nurse \u2067isolate\u2069', 'invisible_characters'],
  ['Nurse\u200E Joy', 'invisible_characters'], // left-to-right mark
  ['Nurse\u200F Joy', 'invisible_characters'], // right-to-left mark
  ['Nurse\u061C Joy', 'invisible_characters'], // Arabic letter mark
  ['Nurse\u200B Joy', 'invisible_characters'], // zero-width space: shows as "Nurse Joy"
  ['Nurse\u200C\u200DJoy', 'invisible_characters'],
  ['Nurse\u2060Joy', 'invisible_characters'], // word joiner
  ['\uFEFFNurse Joy', 'invisible_characters'], // byte-order mark, which trim() would drop unseen
  ['\u200B\u200B\u200B', 'invisible_characters'],
  ['\u3164\u3164', 'nothing_visible'], // Hangul fillers: letters that show nothing
  ['\u2800', 'nothing_visible'], // blank braille pattern
  ['\u0301\u0301', 'nothing_visible'], // combining marks alone
];

const details = (field: string, problem: string) => ({ field, problem });

describe('names refuse bidi controls and invisible characters, and need a visible one', () => {
  test.each(HOSTILE_NAMES)('guest sign-in with the display name %j: 400, nothing written', async (displayName, problem) => {
    const res = await refused('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName } }, 400, 'invalid_request');
    expect(res.body.error.details).toEqual(details('displayName', problem));
  });

  test.each(HOSTILE_NAMES)('a new employee named %j: 400, nothing written', async (displayName, problem) => {
    const body = { email: 'new.nurse@demo.clinic', displayName, password: 'a-long-password' };
    const res = await refused('POST', '/api/v1/employees', { token: adminToken, body }, 400, 'invalid_request');
    expect(res.body.error.details).toEqual(details('displayName', problem));
  });

  test.each(HOSTILE_NAMES)('renaming an employee to %j: 400, nothing written', async (displayName, problem) => {
    const res = await refused('PATCH', `/api/v1/employees/${joyId}`, { token: adminToken, body: { displayName } }, 400, 'invalid_request');
    expect(res.body.error.details).toEqual(details('displayName', problem));
  });

  test.each(HOSTILE_NAMES)('renaming the clinic to %j: 400, nothing written', async (name, problem) => {
    const res = await refused('PATCH', '/api/v1/clinic/settings', { token: adminToken, body: { name } }, 400, 'invalid_request');
    expect(res.body.error.details).toEqual(details('name', problem));
  });

  test('names in any script, with accents and emoji, are accepted as written (NFC)', async () => {
    for (const displayName of ['José Núñez', 'محمد علي', 'דנה כהן', '王小明', 'Zoë 🌻', 'O\u0301scar']) {
      const res = await t.call('POST', '/api/v1/auth/guest', { body: { siteKey: 'demo', displayName } });
      expect({ displayName, status: res.status }).toEqual({ displayName, status: 200 });
      expect(res.body.user.displayName).toBe(displayName.normalize('NFC'));
    }
  });

  test('a clinic-signed name claim is kept without its invisible characters (the sign-in is not refused)', async () => {
    const [row] = await query<{ identity_secret: string }>(t.ctx.db, sql`select identity_secret from clinics where site_key = 'demo'`);
    const exp = Math.floor(Date.now() / 1000) + 300;
    const sign = (sub: string, name: string) => signIdentityToken({ sub, name, aud: 'demo', exp }, row!.identity_secret);
    const kim = await t.call('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken: await sign('ext-kim', '\u202EKim\u200B Lee') } });
    expect(kim.status).toBe(200);
    expect(kim.body.user.displayName).toBe('Kim Lee');
    const blank = await t.call('POST', '/api/v1/auth/identify', { body: { siteKey: 'demo', identityToken: await sign('ext-blank', '\u200B\u3164') } });
    expect(blank.status).toBe(200);
    expect(blank.body.user.displayName).toBe('Patient');
  });
});

describe('reasons and message bodies', () => {
  test.each(['Invoice \u202Efdp.exe', 'Rash \u202Bembedded\u202C', 'Fever \u2066isolated\u2069', '\u2068first strong\u2069'])(
    'a reason with a bidi embedding, override or isolate (%j): 400 naming the field, nothing written',
    async (reason) => {
      const patient = await guest(t);
      const res = await refused('POST', '/api/v1/sessions', { token: patient.token, body: { reason } }, 400, 'invalid_request');
      expect(res.body.error.details).toEqual(details('reason', 'bidi_controls'));
    },
  );

  test('a message body keeps right-to-left text and its controls as written', async () => {
    const patient = await guest(t);
    const started = await t.call('POST', '/api/v1/sessions', { token: patient.token, body: { reason: 'سؤال عن موعد' } });
    expect(started.status).toBe(201);
    const body = 'موعدي \u202Bيوم الثلاثاء\u202C, 10:30 \u2067OK\u2069';
    const sent = await t.call('POST', `/api/v1/sessions/${started.body.id}/messages`, { token: patient.token, body: { clientMsgId: 'rtl-1', body } });
    expect(sent.status).toBe(201);
    expect(sent.body.body).toBe(body);
  });
});
