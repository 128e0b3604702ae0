import type { ConnectionState, Session } from '@medchat/sdk/patient';

/** What the panel shows. */
export type View = 'loading' | 'unavailable' | 'closed' | 'prechat' | 'waiting' | 'chat' | 'ended';

export interface ViewInput {
  /** The clinic's public data arrived and any previous chat was looked up. */
  isReady: boolean;
  /** Loading the clinic failed for good (unknown site key, origin not allowed). */
  isUnavailable: boolean;
  /** The session the widget follows, as last seen (null: none open). */
  session: Pick<Session, 'status'> | null;
  /** An ended chat's transcript is still on screen. */
  hasTranscript: boolean;
  /** The clinic is closed by its opening hours (a chat already open goes on). */
  isClosed?: boolean;
}

/** The view follows from the data alone, so a reload, a second tab or a live event all land on the same screen. */
export function viewFor({ isReady, isUnavailable, session, hasTranscript, isClosed }: ViewInput): View {
  if (isUnavailable) return 'unavailable';
  if (!isReady) return 'loading';
  if (session?.status === 'waiting') return 'waiting';
  // Waiting on the patient (idle): their chat as they left it; writing brings it back to the queue.
  if (session?.status === 'active' || session?.status === 'idle') return 'chat';
  if (session?.status === 'ended' || hasTranscript) return 'ended';
  return isClosed ? 'closed' : 'prechat';
}

/** Which banner the connection deserves: none while fine (or before any chat needs it). */
export function connectionBanner(state: ConnectionState, isOnline: boolean, hasChat: boolean): 'offline' | 'reconnecting' | null {
  if (!isOnline) return 'offline';
  if (hasChat && (state === 'reconnecting' || state === 'offline')) return 'reconnecting';
  return null;
}

/** Error codes after which retrying the same request cannot help: stop and show the unavailable screen. */
export const FATAL_INIT_CODES: readonly string[] = ['clinic_not_found', 'origin_not_allowed', 'not_found'];

/** Codes meaning the stored token is no good: forget it and start over as a new visitor. */
export const STALE_TOKEN_CODES: readonly string[] = ['invalid_token', 'unauthorized'];
