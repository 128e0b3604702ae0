import { describe, expect, test } from 'bun:test';
import { en } from '../../translations/en';
import { es } from '../../translations/es';
import { NAME_MAX, REASON_MAX, validatePrechat } from './prechat-form.validation';

describe('pre-chat form validation', () => {
  test('valid input has no errors', () => {
    expect(validatePrechat({ name: 'Pat', reason: 'Rash on my arm' }, true, en)).toEqual({});
  });

  test('required fields, blank counts as empty', () => {
    expect(validatePrechat({ name: '  ', reason: '\n' }, true, en)).toEqual({ name: en.nameRequired, reason: en.reasonRequired });
  });

  test('length limits match the server', () => {
    const errors = validatePrechat({ name: 'x'.repeat(NAME_MAX + 1), reason: 'y'.repeat(REASON_MAX + 1) }, true, es);
    expect(errors).toEqual({ name: es.nameTooLong(NAME_MAX), reason: es.reasonTooLong(REASON_MAX) });
    expect(validatePrechat({ name: ` ${'x'.repeat(NAME_MAX)} `, reason: 'ok' }, true, en)).toEqual({});
  });

  test('identified patients are not asked for a name', () => {
    expect(validatePrechat({ name: '', reason: 'Refill' }, false, en)).toEqual({});
  });

  test('an address is checked only when asked for (the consent ticked): blank or without a domain is refused', () => {
    expect(validatePrechat({ name: 'Pat', reason: 'Refill', email: ' pat@mail.example ' }, true, en)).toEqual({});
    for (const email of ['', 'pat', 'pat@mail', 'pat @mail.example'])
      expect(validatePrechat({ name: 'Pat', reason: 'Refill', email }, true, es)).toEqual({ email: es.emailInvalid });
  });
});
