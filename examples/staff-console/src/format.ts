import type { AssignmentEndReason, AssignmentStartReason, Availability, ConnectionState, Message, SessionStatus } from '@medchat/sdk';
import { isolate } from './dom';

/** Every user-visible label of the console in one place, so a clinic can translate it in one file. */
export const AVAILABILITY_LABELS: Record<Availability, string> = { available: 'Available', away: 'Away', offline: 'Offline' };

export const AVAILABILITY_HINTS: Record<Availability, string> = {
  available: 'new chats come to you',
  away: 'you keep your chats; no new ones',
  offline: 'your chats go to colleagues',
};

export const CONNECTION_LABELS: Record<ConnectionState, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline — sign in again',
};

/** After a patient's name in the list of chats, by the chat's state (see PanelState in chat-panel.ts). */
export const STATE_SUFFIXES = { mine: '', 'handed-over': ' — transferred', ended: ' — ended' } as const;
/** Instead of "transferred", for a chat set aside while its patient is away (nobody holds it until they write). */
export const WAITING_ON_PATIENT_SUFFIX = ' — waiting on patient';

/** After the patient's name for a chat started while the clinic was closed (a message left after hours). */
export const LEFT_WHILE_CLOSED_SUFFIX = ' — left overnight';

/** A session's status in the admin's list; idle is a chat set aside while its patient is away. */
export const SESSION_STATUS_LABELS: Record<SessionStatus, string> = { waiting: 'waiting', active: 'active', idle: 'waiting on patient', ended: 'ended' };

export const START_REASONS: Record<AssignmentStartReason, string> = {
  session_started: 'new chat',
  after_leave: 'handed over',
  employee_available: 'picked up from the queue',
  admin: 'assigned by an admin',
  patient_returned: 'patient wrote again',
  transferred: 'transferred to you',
};

export const END_REASONS: Record<AssignmentEndReason, string> = {
  left: 'left',
  disconnected: 'disconnected',
  session_ended: 'chat ended',
  admin: 'removed by an admin',
  unanswered: 'no reply in time',
  away_timeout: 'away too long',
  patient_inactive: 'patient went quiet',
  transferred: 'transferred',
};

/** The banner of a chat the engine took from the employee because a deadline ran out (server assignments/timers.ts). */
export const DEADLINE_BANNERS: Partial<Record<AssignmentEndReason, string>> = {
  unanswered: 'Moved on: you did not reply within the clinic’s first-reply time.',
  away_timeout: 'Moved on: you were away for longer than the clinic allows.',
  patient_inactive: 'Waiting on the patient: they went away without answering your last message. The chat goes back to the queue when they write.',
};

/** The banner of a chat set aside while its patient was away, once the patient wrote again (it left the "Waiting on patient" list). */
export const PATIENT_RETURNED_BANNER = 'The patient came back after the chat was set aside while they were away.';

/** The text of a system line in the history (assigned, back in queue, ended); a name in it is isolated. */
export function systemText(message: Message): (string | Node)[] {
  switch (message.system?.event) {
    case 'session.assigned':
      return message.system.employeeName ? [isolate(message.system.employeeName), ' joined the chat'] : ['A colleague joined the chat'];
    case 'session.requeued':
      return ['The chat went back to the queue'];
    case 'session.ended':
      return ['The chat ended'];
    case 'session.inactive':
      return ['The chat was closed after a period of inactivity'];
    default:
      return [isolate(message.body)];
  }
}

export const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** With the date: "4 Dec 2026, 17:35" (the admin's session list spans days). */
export const dateTime = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/** "just now", "4 min", "1 h 12 min". */
export function elapsed(iso: string, now = Date.now()): string {
  const minutes = Math.floor((now - Date.parse(iso)) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A MedChatError carries the server's English message; anything else gets a generic line. */
export const errorText = (e: unknown) => (e instanceof Error && e.message ? e.message : 'Something went wrong.');
