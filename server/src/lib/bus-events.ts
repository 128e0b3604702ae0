import type { Availability, AssignmentEndReason, AssignmentStartReason, Message, SessionPriority } from '@medchat/sdk/protocol';

/**
 * What travels between server instances. Ids only (no PHI, well under NOTIFY's 8,000-byte limit):
 * receivers read the rows they need from the database. The one exception stays in the process: `messages` on
 * `message.created` carries the committed messages to this instance's own sockets, so the instance that stored
 * them delivers them without reading them back; it is stripped before an event leaves the process. So is `waitedSeconds`
 * on `session.assigned` (on a session's first assignment: how long it waited since its start), which only the
 * instance that made the assignment counts (`medchat_assignment_wait_seconds`).
 */
export type BusEvent =
  | { t: 'message.created'; clinicId: string; sessionId: string; seq: number; messages?: Message[] }
  | { t: 'session.waiting'; clinicId: string; sessionId: string; patientId: string }
  | {
      t: 'session.assigned';
      clinicId: string;
      sessionId: string;
      patientId: string;
      employeeId: string;
      assignmentId: string;
      reason: AssignmentStartReason;
      previousEmployeeId: string | null;
      waitedSeconds?: number;
    }
  | { t: 'session.requeued'; clinicId: string; sessionId: string; patientId: string; previousEmployeeId: string; reason: AssignmentEndReason }
  /** The session waits on its patient (status idle): its employee, named, lost it (assignments/patient-idle.ts). */
  | { t: 'session.idle'; clinicId: string; sessionId: string; patientId: string; previousEmployeeId: string }
  | { t: 'session.ended'; clinicId: string; sessionId: string; patientId: string; previousEmployeeId: string | null }
  /** Typing and read receipts name the session's patient, so that an instance finds their audience without a read. */
  | { t: 'typing'; clinicId: string; sessionId: string; patientId: string; userId: string; isTyping: boolean }
  | { t: 'read.updated'; clinicId: string; sessionId: string; patientId: string; userId: string; seq: number }
  | { t: 'availability.changed'; clinicId: string; userId: string; availability: Availability }
  | { t: 'queue.changed'; clinicId: string }
  /** A session became urgent at its start (`changedBy` null) or staff changed its priority. */
  | { t: 'session.prioritized'; clinicId: string; sessionId: string; priority: SessionPriority; changedBy: string | null }
  /** One token (`tokenHash`), or all of the user's (null) but `except` when given (a password change keeps its own). */
  /** A clinic's settings, allowed origins or identity secret changed: instances drop what they cached of it. */
  | { t: 'clinic.changed'; clinicId: string }
  /** An internal note (staff only): its id and the colleagues it mentions, so an instance knows whom it concerns without a read. */
  | { t: 'note.created'; clinicId: string; sessionId: string; noteId: string; mentions: string[] }
  /** The staff viewing a session changed (a socket started or stopped, or closed): instances read who views it now. */
  | { t: 'viewers.changed'; clinicId: string; sessionId: string }
  | { t: 'token.revoked'; clinicId: string; userId: string; tokenHash: string | null; except?: string };

export type Emit = (event: BusEvent) => void;
