/**
 * A chat session as FHIR R4 resources (pure: rows in, JSON out). The session is a virtual `Encounter` whose
 * participants are the assignment periods; each message is a `Communication`; each assignment period is a
 * `Provenance` carrying why it started and why it ended (the custody record); handover notes, only when asked for,
 * and internal notes are `Communication`s between staff. The patient and staff are logical references (an identifier, no resource):
 * the clinic's own patient id when the patient signed in with an identity token, the MedChat user id otherwise.
 * docs/fhir.md shows a whole bundle.
 */
import { createHash } from 'node:crypto';
import type { AssignmentEndReason, AssignmentStartReason } from '@medchat/sdk/protocol';

export type FhirResource = { resourceType: string; id: string } & Record<string, unknown>;

export interface ChartSession {
  id: string;
  status: 'waiting' | 'active' | 'idle' | 'ended';
  reason: string;
  createdAt: Date;
  firstAssignedAt: Date | null;
  endedAt: Date | null;
  clinic: { name: string; siteKey: string };
  patient: { id: string; displayName: string; externalId: string | null };
}

export interface ChartAssignment {
  id: string;
  employeeId: string;
  employeeName: string;
  startedAt: Date;
  endedAt: Date | null;
  startReason: string;
  endReason: string | null;
  leaveNote: string | null;
}

export interface ChartMessage {
  id: string;
  seq: number;
  kind: 'text' | 'system';
  senderId: string | null;
  senderRole: 'patient' | 'employee' | 'admin' | null;
  senderName: string | null;
  body: string;
  createdAt: Date;
  /** The files it carries, in order; `url` is their path on this server (read with a staff bearer token). */
  attachments: ChartAttachment[];
}

export interface ChartAttachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  url: string;
}

/** An internal note (staff only), exported only with `includeNotes`. */
export interface ChartNote {
  id: string;
  authorId: string;
  authorName: string;
  body: string;
  mentions: Array<{ id: string; displayName: string }>;
  createdAt: Date;
}

export interface ChartOptions {
  /** How one resource points at another: `urn:uuid:<id>` inside a Bundle, `Type/<id>` in bulk NDJSON. */
  reference: (resourceType: string, id: string) => string;
  includeNotes: boolean;
  /** The session's internal notes, given only when `includeNotes` (admins). */
  internalNotes?: ChartNote[];
}

/** Identifier systems and code systems of MedChat's own values. */
export const SYSTEMS = {
  /** A UUID as an identifier value (`urn:uuid:…`), the way FHIR names one. */
  uuid: 'urn:ietf:rfc:3986',
  /** The clinic's own patient id (the identity token's `sub`), scoped by the clinic's site key. */
  patientId: (siteKey: string) => `urn:medchat:${encodeURIComponent(siteKey)}:patient-id`,
  clinic: 'urn:medchat:clinic',
  startReason: 'urn:medchat:assignment-start-reason',
  endReason: 'urn:medchat:assignment-end-reason',
  messageSeq: (sessionId: string) => `urn:medchat:session:${sessionId}:seq`,
} as const;

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const PROVENANCE_AGENT = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
const COMMUNICATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/communication-category';

/** Every reason, so a reason added to the engine fails the typecheck here until it has words. */
const START_REASONS: Record<AssignmentStartReason, string> = {
  session_started: 'Assigned when the chat started',
  after_leave: 'Handed over after the previous holder left',
  employee_available: 'Taken from the queue when staff became available',
  admin: 'Assigned by an admin',
  patient_returned: 'Assigned when the patient wrote again',
  transferred: 'Transferred by the previous holder',
};
const END_REASONS: Record<AssignmentEndReason, string> = {
  left: 'Left the chat (handed over)',
  disconnected: 'Disconnected past the grace period',
  session_ended: 'The chat ended',
  admin: 'Ended by an admin',
  transferred: 'Transferred to a colleague or team',
  unanswered: 'Not answered within the clinic’s first-reply time (handed on)',
  away_timeout: 'Away for longer than the clinic allows (handed on)',
  patient_inactive: 'The patient was gone and silent after staff wrote',
};

/** A chat waiting on its patient (idle) is the patient temporarily away: `onleave`. */
const ENCOUNTER_STATUS = { waiting: 'arrived', active: 'in-progress', idle: 'onleave', ended: 'finished' } as const;

const iso = (d: Date) => d.toISOString();
const period = (start: Date, end: Date | null) => (end ? { start: iso(start), end: iso(end) } : { start: iso(start) });

/** A stable UUID for a resource MedChat has no row id for (a handover note), from a name (UUID v5 layout). */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(`medchat:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Every resource of one session, the Encounter first, then the custody record, then the conversation in seq order. */
export function sessionResources(s: ChartSession, trail: ChartAssignment[], messages: ChartMessage[], options: ChartOptions): FhirResource[] {
  const encounter = { reference: options.reference('Encounter', s.id) };
  const patient = {
    type: 'Patient',
    identifier: s.patient.externalId
      ? { system: SYSTEMS.patientId(s.clinic.siteKey), value: s.patient.externalId }
      : { system: SYSTEMS.uuid, value: `urn:uuid:${s.patient.id}` },
    display: s.patient.displayName,
  };
  const clinic = { type: 'Organization', identifier: { system: SYSTEMS.clinic, value: s.clinic.siteKey }, display: s.clinic.name };
  const staff = (id: string, name: string | null) => ({
    type: 'Practitioner',
    identifier: { system: SYSTEMS.uuid, value: `urn:uuid:${id}` },
    ...(name ? { display: name } : {}),
  });
  /** Who held the chat at a moment: the recipient of the patient's messages then (the clinic when no one did). */
  const holderAt = (at: Date) => {
    const a = trail.find((p) => p.startedAt <= at && (p.endedAt === null || at < p.endedAt));
    return a ? staff(a.employeeId, a.employeeName) : clinic;
  };

  const out: FhirResource[] = [
    {
      resourceType: 'Encounter',
      id: s.id,
      status: ENCOUNTER_STATUS[s.status],
      ...(s.firstAssignedAt ? { statusHistory: [{ status: 'arrived', period: period(s.createdAt, s.firstAssignedAt) }] } : {}),
      class: { system: ACT_CODE, code: 'VR', display: 'virtual' },
      subject: patient,
      participant: trail.map((a) => ({
        type: [{ coding: [{ system: PARTICIPATION, code: 'PART', display: 'Participation' }] }],
        period: period(a.startedAt, a.endedAt),
        individual: staff(a.employeeId, a.employeeName),
      })),
      period: period(s.createdAt, s.endedAt),
      reasonCode: [{ text: s.reason }],
      serviceProvider: clinic,
    },
  ];
  for (const a of trail) {
    out.push({
      resourceType: 'Provenance',
      id: a.id,
      target: [encounter],
      occurredPeriod: period(a.startedAt, a.endedAt),
      recorded: iso(a.endedAt ?? a.startedAt),
      activity: {
        coding: [{ system: SYSTEMS.startReason, code: a.startReason, display: START_REASONS[a.startReason as AssignmentStartReason] ?? a.startReason }],
      },
      ...(a.endReason
        ? { reason: [{ coding: [{ system: SYSTEMS.endReason, code: a.endReason, display: END_REASONS[a.endReason as AssignmentEndReason] ?? a.endReason }] }] }
        : {}),
      agent: [{ type: { coding: [{ system: PROVENANCE_AGENT, code: 'performer' }] }, who: staff(a.employeeId, a.employeeName) }],
    });
  }
  for (const m of messages) {
    const fromPatient = m.senderRole === 'patient';
    out.push({
      resourceType: 'Communication',
      id: m.id,
      identifier: [{ system: SYSTEMS.messageSeq(s.id), value: String(m.seq) }],
      status: 'completed',
      ...(m.kind === 'system'
        ? { category: [{ coding: [{ system: COMMUNICATION_CATEGORY, code: 'notification', display: 'Notification' }], text: 'system line' }] }
        : {}),
      subject: patient,
      encounter,
      sent: iso(m.createdAt),
      recipient: [fromPatient ? holderAt(m.createdAt) : patient],
      ...(m.kind === 'system' || !m.senderId ? {} : { sender: fromPatient ? patient : staff(m.senderId, m.senderName) }),
      payload: [
        ...(m.body || m.attachments.length === 0 ? [{ contentString: m.body }] : []),
        ...m.attachments.map((a) => ({
          contentAttachment: { contentType: a.contentType, url: a.url, title: a.name, size: a.size, creation: iso(m.createdAt) },
        })),
      ],
    });
  }
  if (options.includeNotes) {
    trail.forEach((a, i) => {
      if (!a.leaveNote || !a.endedAt) return;
      const next = trail[i + 1];
      out.push({
        resourceType: 'Communication',
        id: nameUuid(`handover-note:${a.id}`),
        status: 'completed',
        category: [{ coding: [{ system: COMMUNICATION_CATEGORY, code: 'instruction', display: 'Instruction' }], text: 'handover note (staff only)' }],
        subject: patient,
        encounter,
        sent: iso(a.endedAt),
        sender: staff(a.employeeId, a.employeeName),
        recipient: [next ? staff(next.employeeId, next.employeeName) : clinic],
        payload: [{ contentString: a.leaveNote }],
      });
    });
    for (const n of options.internalNotes ?? []) {
      out.push({
        resourceType: 'Communication',
        id: n.id,
        status: 'completed',
        category: [{ coding: [{ system: COMMUNICATION_CATEGORY, code: 'instruction', display: 'Instruction' }], text: 'internal note (staff only)' }],
        subject: patient,
        encounter,
        sent: iso(n.createdAt),
        sender: staff(n.authorId, n.authorName),
        recipient: n.mentions.length ? n.mentions.map((m) => staff(m.id, m.displayName)) : [clinic],
        payload: [{ contentString: n.body }],
      });
    }
  }
  return out;
}

/** One session as a FHIR `collection` Bundle; entries are addressed by `urn:uuid:` full URLs. */
export function sessionBundle(
  s: ChartSession,
  trail: ChartAssignment[],
  messages: ChartMessage[],
  includeNotes: boolean,
  now: Date,
  internalNotes: ChartNote[] = [],
) {
  const resources = sessionResources(s, trail, messages, { includeNotes, internalNotes, reference: (_type, id) => `urn:uuid:${id}` });
  return {
    resourceType: 'Bundle' as const,
    id: nameUuid(`bundle:${s.id}:${now.toISOString()}`),
    meta: { lastUpdated: iso(now) },
    type: 'collection' as const,
    timestamp: iso(now),
    entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource })),
  };
}
