/**
 * One example per named schema of the document, by component name. They are checked against the protocol's own
 * schemas (tests/contract/openapi.test.ts) and by the linter, so an example cannot drift from what it shows.
 */
const CLINIC = '01938f2a-5c1e-7a10-9b2e-7f3c1d2e4a01';
const PATIENT = '01938f2a-6d2f-7b21-8c3f-8a4d2e3f5b02';
const NURSE = '01938f2a-7e30-7c32-9d40-9b5e3f406c03';
const SESSION = '01938f2b-0a41-7d43-8e51-ac6f40517d04';
const AT = '2026-11-25T15:30:00.000Z';

const RED_FLAG = '01938f2b-2c63-7f65-8a73-ce8162739f06';
const TEAM = '01938f2b-4e85-7187-8c95-e0a384951b08';
const TOPIC = '01938f2b-5f96-7298-9da6-f1b495a62c09';
const SAM = '01938f2a-8f41-7d43-8e51-ac6f40517d05';

const patient = { id: PATIENT, displayName: 'Ana Lima' };
const nurse = { id: NURSE, displayName: 'Nurse Joy' };
const me = {
  id: NURSE,
  clinicId: CLINIC,
  role: 'employee',
  displayName: 'Nurse Joy',
  email: 'nurse.joy@riverside.example',
  externalId: null,
  availability: 'available',
  capacity: 3,
  mfaEnabled: true,
  mfaRequired: false,
};
const intake = {
  redFlags: [{ id: RED_FLAG, text: 'Chest pain or trouble breathing?' }],
  emergencyInstructions: 'Call 112 now, or go to the nearest emergency department. Do not wait for a chat.',
  topics: [{ id: TOPIC, label: 'Speak to a nurse', teamId: TEAM }],
};
const priorityChange = {
  id: '01938f2b-3d74-7076-9b84-df9273840a07',
  changedBy: nurse,
  from: 'routine',
  to: 'urgent',
  reason: 'Reports chest pain in the chat',
  at: AT,
};
const session = {
  id: SESSION,
  clinicId: CLINIC,
  status: 'active',
  patient,
  employee: nurse,
  reason: 'A rash since Monday',
  priority: 'routine',
  teamId: TEAM,
  topic: 'Speak to a nurse',
  createdAt: AT,
  firstAssignedAt: '2026-11-25T15:30:04.000Z',
  endedAt: null,
  endedBy: null,
  lastSeq: 3,
};
const message = {
  id: '01938f2b-1b52-7e54-9f62-bd7051628e05',
  sessionId: SESSION,
  seq: 3,
  kind: 'text',
  sender: { id: PATIENT, role: 'patient', displayName: 'Ana Lima' },
  body: 'It itches more at night.',
  system: null,
  clientMsgId: '6f1c1b7e-3d2a-4c55-9a0e-2b1f0c9d8e7a',
  createdAt: '2026-11-25T15:31:10.000Z',
};
const employee = {
  id: NURSE,
  email: 'nurse.joy@riverside.example',
  displayName: 'Nurse Joy',
  role: 'employee',
  availability: 'available',
  capacity: 3,
  load: 1,
  active: true,
  mfaEnabled: true,
};
const settings = {
  id: CLINIC,
  name: 'Riverside Clinic',
  siteKey: 'riverside',
  allowedOrigins: ['https://riverside.example'],
  emergencyText: 'In an emergency, call 112.',
  defaultCapacity: 3,
  graceSeconds: 60,
  firstReplySeconds: 120,
  awayTimeoutMinutes: 30,
  patientIdleMinutes: 30,
  inactiveCloseHours: 72,
  retentionDays: 365,
  brandColor: '#0f766e',
  requireStaffMfa: true,
  webhookMessageText: false,
  teamFallback: 'anyone',
};

const webhook = {
  id: '01938f2c-2c63-7f65-8a73-ce8162739f06',
  url: 'https://records.riverside.example/medchat-events',
  events: ['session.started', 'session.ended'],
  createdAt: AT,
  previousSecretUntil: null,
};

export const EXAMPLES: Record<string, unknown> = {
  Error: { error: { code: 'session_not_found', message: 'Session not found.', requestId: '0193a3c2-7a1e-7cc2-9d5e-2f1b8c3a4d5e' } },
  LoginParams: { email: 'nurse.joy@riverside.example', password: 'correct horse battery', code: '492039' },
  GuestParams: { siteKey: 'riverside', displayName: 'Ana Lima' },
  IdentifyParams: { siteKey: 'riverside', identityToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwLTQyIn0.c2lnbmF0dXJl' },
  AuthResult: { token: 'mc_4q2JxY0gq8m7kR1tV9pN3sW6zB5cD8fH2jL4nP7rT0u', expiresAt: '2026-11-26T03:30:00.000Z', user: me },
  Me: me,
  SocketTicket: { ticket: 'tk_Zx8q1Lm4Pn7Rs0Tv3Wy6Ab9Cd2Ef5Gh8Jk1Mn4Pq7St0', expiresAt: '2026-11-25T15:30:30.000Z' },
  MfaEnrolment: { secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/MedChat:nurse.joy%40riverside.example?secret=JBSWY3DPEHPK3PXP&issuer=MedChat' },
  Person: patient,
  Session: session,
  SessionStartParams: { reason: 'A rash since Monday' },
  SessionLeaveParams: { note: 'Asked for photos; waiting for them.' },
  SessionTransferParams: { toEmployeeId: SAM, note: 'Rash since Monday; photos sent. Please check for allergies.' },
  Team: { id: TEAM, name: 'Nursing', memberIds: [NURSE, SAM] },
  Colleague: { id: SAM, displayName: 'Nurse Sam', availability: 'available', canTake: true, teamIds: [TEAM] },
  TeamParams: { name: 'Nursing' },
  TeamMembersParams: { employeeIds: [NURSE, SAM] },
  QueueStatus: { position: 2, estimatedWaitSeconds: 180, isStaffAvailable: true },
  QueueEntry: { sessionId: SESSION, patient, reason: 'A rash since Monday', priority: 'urgent', teamId: TEAM, createdAt: AT, position: 1 },
  WaitingOnPatientEntry: { sessionId: SESSION, patient, reason: 'A rash since Monday', createdAt: AT, idleSince: '2026-11-25T16:10:00.000Z', employee: nurse },
  Assignment: {
    id: '01938f2b-2c63-7f65-a073-ce8162739f06',
    sessionId: SESSION,
    employee: nurse,
    startedAt: '2026-11-25T15:30:04.000Z',
    endedAt: null,
    startReason: 'session_started',
    endReason: null,
    leaveNote: null,
    transferredTo: null,
  },
  AuditEntry: {
    id: '01938f2b-3d74-7076-b184-df9273840a07',
    actorId: NURSE,
    action: 'messages.read',
    sessionId: SESSION,
    sessionIds: null,
    subjectId: null,
    ip: '203.0.113.7',
    at: AT,
  },
  Message: message,
  MessagePage: { messages: [message], hasMore: false },
  MessageSendParams: { clientMsgId: '6f1c1b7e-3d2a-4c55-9a0e-2b1f0c9d8e7a', body: 'It itches more at night.' },
  MessageReadParams: { seq: 3 },
  Employee: employee,
  EmployeeCreateParams: { email: 'nurse.sam@riverside.example', displayName: 'Nurse Sam', password: 'a long enough password', capacity: 4 },
  EmployeePatchParams: { capacity: null, active: true },
  AvailabilityParams: { availability: 'away' },
  PasswordChangeParams: { currentPassword: 'correct horse battery', newPassword: 'a new long passphrase' },
  MfaStartParams: { password: 'correct horse battery' },
  MfaConfirmParams: { code: '492039' },
  MfaDisableParams: { password: 'correct horse battery', code: '492039' },
  ClinicPublic: {
    id: CLINIC,
    name: 'Riverside Clinic',
    emergencyText: 'In an emergency, call 112.',
    brandColor: '#0f766e',
    originAllowed: true,
    hours: {
      isOpen: true,
      isStaffAvailable: true,
      nextOpenAt: '2026-12-08T08:00:00.000Z',
      closesAt: '2026-12-07T17:00:00.000Z',
      afterHoursText: 'We answer chats on weekdays, 8:00–17:00.',
    },
    intake,
  },
  ClinicIntake: intake,
  ClinicIntakeParams: {
    redFlags: [{ id: RED_FLAG, text: 'Chest pain or trouble breathing?' }, { text: 'Heavy bleeding that does not stop?' }],
    emergencyInstructions: intake.emergencyInstructions,
    topics: [{ id: TOPIC, label: 'Speak to a nurse', teamId: TEAM }],
  },
  IntakeAnswers: { redFlags: [{ id: RED_FLAG, answer: false }], topic: TOPIC },
  SessionPriorityParams: { priority: 'urgent', reason: 'Reports chest pain in the chat' },
  PriorityChange: priorityChange,
  SessionTriage: { priority: 'urgent', redFlags: [{ question: 'Chest pain or trouble breathing?', answer: false }], changes: [priorityChange] },
  ClinicSettings: settings,
  ClinicSettingsPatchParams: { emergencyText: 'In an emergency, call 112.', graceSeconds: 90 },
  Report: {
    from: '2026-11-25',
    to: '2026-11-25',
    bucket: 'day',
    timeZone: 'Europe/Madrid',
    buckets: [
      {
        start: '2026-11-24T23:00:00.000Z',
        label: '2026-11-25',
        chatsStarted: 42,
        afterHours: 6,
        urgent: 2,
        firstAssignment: { count: 41, median: 38.5, p90: 161.2 },
        firstReply: { count: 40, median: 72, p90: 240.9 },
        endReasons: { left: 5, disconnected: 1, session_ended: 36, admin: 0 },
      },
    ],
    total: {
      chatsStarted: 42,
      afterHours: 6,
      urgent: 2,
      firstAssignment: { count: 41, median: 38.5, p90: 161.2 },
      firstReply: { count: 40, median: 72, p90: 240.9 },
      endReasons: { left: 5, disconnected: 1, session_ended: 36, admin: 0 },
    },
    employees: [{ ...nurse, chats: 23 }],
  },
  WebhookCreateParams: { url: webhook.url, events: webhook.events },
  WebhookEndpoint: webhook,
  WebhookEndpointWithSecret: { ...webhook, secret: 'whsec_c2VjcmV0LWZvci10aGUtZXhhbXBsZS0xMjM0' },
  WebhookDelivery: {
    id: '01938f2c-3d74-7076-9b84-df9273840a07',
    eventId: '01938f2c-3d74-7076-a184-df9273840a08',
    type: 'session.ended',
    sessionId: SESSION,
    status: 'delivered',
    attempts: 1,
    lastStatus: 200,
    lastError: null,
    lastLatencyMs: 84,
    lastAttemptAt: AT,
    nextAttemptAt: null,
    deliveredAt: AT,
  },
};
