import { expect, test } from 'bun:test';
import { emailHash, readResumeToken, readUnsubscribeToken, resumeToken, unsubscribeClinicOf, unsubscribeToken } from './links';

const SECRET = 'a-clinic-secret';
const ID = '0193a3c2-7a1e-7cc2-9d5e-2f1b8c3a4d5e';

test('a resume token names its notification only under the clinic secret it was signed with, and is the same every time', () => {
  const token = resumeToken(SECRET, ID);
  expect(token).toBe(resumeToken(SECRET, ID));
  expect(readResumeToken(token, SECRET)).toBe(ID);
  expect(readResumeToken(token, 'another-secret')).toBeNull();
  expect(readResumeToken(`${token}x`, SECRET)).toBeNull();
  expect(readResumeToken(`${ID.replace('5e', '5f')}.${token.split('.')[1]}`, SECRET)).toBeNull();
  expect(readResumeToken(`${token}.extra`, SECRET)).toBeNull();
});

test('an unsubscribe token carries the clinic and the address hash, never the address', () => {
  const hash = emailHash(' Ana@Mail.Example ');
  expect(hash).toBe(emailHash('ana@mail.example'));
  const token = unsubscribeToken(SECRET, ID, hash);
  expect(token.toLowerCase()).not.toContain('ana');
  expect(unsubscribeClinicOf(token)).toBe(ID);
  expect(readUnsubscribeToken(token, SECRET)).toBe(hash);
  expect(readUnsubscribeToken(token, 'another-secret')).toBeNull();
  expect(readUnsubscribeToken(token.replace(hash, emailHash('bob@mail.example')), SECRET)).toBeNull();
  expect(unsubscribeClinicOf('not-a-clinic.x.y')).toBeNull();
});
