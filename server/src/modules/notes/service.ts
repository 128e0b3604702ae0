/**
 * Internal notes (sdk/src/protocol/notes.ts): staff-only text inside a session, with @mentions of colleagues. They
 * live in `session_notes`, apart from messages, and only this module reads that table for callers, always for staff:
 * no patient path (history, the socket's replay, transcripts, webhooks) can select a note. Writes and reads are
 * audited (`note.created`, `notes.read`), ids only.
 */
import { and, arrayContains, asc, eq, inArray, ne } from 'drizzle-orm';
import type { Person } from '@medchat/sdk/protocol';
import { NOTE_LIMITS, type Note, type NoteCreateParams } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Queryable } from '../../db/client';
import { chatSessions, sessionNotes, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { cleanText } from '../../lib/text';
import { inTransaction } from '../../lib/transaction';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/actor';
import { canRead, type SessionRow } from '../sessions/access';

type NoteRow = typeof sessionNotes.$inferSelect;

/** Only staff: a patient is refused for every session, which tells them nothing about this one. */
function assertStaff(actor: Actor) {
  if (actor.role === 'patient') throw new AppError('forbidden', undefined, 'Internal notes are for staff only.');
}

/**
 * Staff who may read the session (its holder, a former holder, an admin) read its notes, and so does a colleague a
 * note of it mentions: the mention is how they are asked in. Anyone else: `session_not_found`.
 */
async function canReadNotes(q: Queryable, actor: Actor, session: SessionRow): Promise<boolean> {
  if (actor.role === 'patient' || session.clinicId !== actor.clinicId) return false;
  if (await canRead(q, actor, session)) return true;
  const [mentioned] = await q
    .select({ id: sessionNotes.id })
    .from(sessionNotes)
    .where(and(eq(sessionNotes.sessionId, session.id), arrayContains(sessionNotes.mentions, [actor.id])))
    .limit(1);
  return mentioned !== undefined;
}

async function sessionFor(q: Queryable, actor: Actor, sessionId: string, check: (q: Queryable, actor: Actor, s: SessionRow) => Promise<boolean>) {
  const [session] = await q.select().from(chatSessions).where(eq(chatSessions.id, sessionId));
  if (!session || !(await check(q, actor, session))) throw new AppError('session_not_found');
  return session;
}

/** The notes as the API shows them: authors' and mentioned colleagues' names read in one query. */
async function toNotes(q: Queryable, rows: NoteRow[]): Promise<Note[]> {
  const ids = [...new Set(rows.flatMap((r) => [r.authorId, ...r.mentions]))];
  const names = new Map(
    ids.length === 0
      ? []
      : (await q.select({ id: users.id, displayName: users.displayName }).from(users).where(inArray(users.id, ids))).map((u) => [u.id, u.displayName]),
  );
  const person = (id: string) => ({ id, displayName: names.get(id) ?? '' });
  return rows.map((r) => ({
    id: r.id,
    sessionId: r.sessionId,
    author: person(r.authorId),
    body: r.body,
    mentions: r.mentions.map(person),
    createdAt: r.createdAt.toISOString(),
  }));
}

/** One note by id, as the API shows it (the socket's projections read it so). */
export async function noteById(q: Queryable, noteId: string): Promise<Note | null> {
  const rows = await q.select().from(sessionNotes).where(eq(sessionNotes.id, noteId));
  return (await toNotes(q, rows))[0] ?? null;
}

/** Mentions must be active staff of the session's clinic; anything else is a 400 naming the first that is not. */
async function checkMentions(q: Queryable, clinicId: string, mentions: string[]) {
  if (mentions.length === 0) return;
  const staff = await q
    .select({ id: users.id })
    .from(users)
    .where(and(inArray(users.id, mentions), eq(users.clinicId, clinicId), ne(users.role, 'patient'), eq(users.active, true)));
  const known = new Set(staff.map((s) => s.id));
  const index = mentions.findIndex((id) => !known.has(id));
  if (index >= 0) throw new AppError('invalid_request', { field: `mentions.${index}`, problem: 'not_a_colleague' });
}

/**
 * Writes a note in a session the author may read (ended ones too: a follow-up is filed after the chat). Staff
 * following the session get `note.created`, the colleagues mentioned `note.mentioned` (realtime/projections.ts).
 */
export async function createNote(ctx: AppContext, actor: Actor, sessionId: string, input: NoteCreateParams, ip: string | null): Promise<Note> {
  assertStaff(actor);
  const body = cleanText(input.body, 'body', { maxLength: NOTE_LIMITS.noteBody, allowNewlines: true });
  const mentions = [...new Set(input.mentions ?? [])];
  return inTransaction(ctx, async (tx, emit) => {
    const session = await sessionFor(tx, actor, sessionId, canRead);
    await checkMentions(tx, session.clinicId, mentions);
    const [row] = await tx.insert(sessionNotes).values({ sessionId, authorId: actor.id, body, mentions }).returning();
    await recordAudit(tx, { clinicId: session.clinicId, actorId: actor.id, action: 'note.created', sessionId, subjectId: row!.id, ip });
    emit({ t: 'note.created', clinicId: session.clinicId, sessionId, noteId: row!.id, mentions });
    return (await toNotes(tx, [row!]))[0]!;
  });
}

/** A session's notes, oldest first; every read is audited as `notes.read`, as message reads are. */
export async function listNotes(ctx: AppContext, actor: Actor, sessionId: string, ip: string | null): Promise<Note[]> {
  assertStaff(actor);
  await sessionFor(ctx.db, actor, sessionId, canReadNotes);
  const rows = await ctx.db.select().from(sessionNotes).where(eq(sessionNotes.sessionId, sessionId)).orderBy(asc(sessionNotes.createdAt), asc(sessionNotes.id));
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'notes.read', sessionId, ip });
  return toNotes(ctx.db, rows);
}

/** The clinic's active staff, by name: whom a note may mention (the console's @ list). Staff only; names and ids, nothing else. */
export async function listColleagues(ctx: AppContext, actor: Actor): Promise<Person[]> {
  assertStaff(actor);
  return ctx.db
    .select({ id: users.id, displayName: users.displayName })
    .from(users)
    .where(and(eq(users.clinicId, actor.clinicId), ne(users.role, 'patient'), eq(users.active, true)))
    .orderBy(asc(users.displayName), asc(users.id));
}
