import { describe, expect, test } from 'bun:test';
import { fillQuickReply } from './quick-reply-fill';

describe('fillQuickReply', () => {
  const all = { 'patient.name': 'Ana', 'clinic.name': 'Sunrise Clinic', 'clinic.phone': '+1 555 0100', 'employee.name': 'Nurse Sam' };

  test('fills every variable, as often as it appears', () => {
    expect(fillQuickReply('Hi {patient.name}, {employee.name} of {clinic.name} here. Call {clinic.phone}. Bye {patient.name}!', all)).toEqual({
      text: 'Hi Ana, Nurse Sam of Sunrise Clinic here. Call +1 555 0100. Bye Ana!',
      gap: null,
    });
  });

  test('a variable without a value is kept as written and its place returned, the first of several', () => {
    const filled = fillQuickReply('Hi {patient.name}, call {clinic.phone} or ask {employee.name}.', { ...all, 'patient.name': ' ', 'clinic.phone': null });
    expect(filled.text).toBe('Hi {patient.name}, call {clinic.phone} or ask Nurse Sam.');
    expect(filled.text.slice(...filled.gap!)).toBe('{patient.name}');
    const later = fillQuickReply('{employee.name}: call {clinic.phone}.', { 'employee.name': 'Sam' });
    expect(later.text).toBe('Sam: call {clinic.phone}.');
    expect(later.gap).toEqual([10, 24]);
  });

  test('other braces and unknown names are left alone and are no gap', () => {
    expect(fillQuickReply('{patient.age} {clinic} {{patient.name}}', all)).toEqual({ text: '{patient.age} {clinic} {Ana}', gap: null });
  });
});
