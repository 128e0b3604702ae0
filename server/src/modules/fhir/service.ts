/**
 * FHIR R4 export: one session as a Bundle (staff who may read it, admins), and the clinic's sessions started in a
 * time range as NDJSON, one resource per line, streamed a few sessions at a time (admins). Both are PHI reads and
 * audited once each, naming every session they return.
 */
import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { AppContext } from '../../context';
import type { Queryable } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { assignments, attachments, chatSessions, clinics, messages, sessionNotes, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { decodeCursor, encodeCursor } from '../audit/trail';
import { readableSession } from '../sessions/access';
import { sessionBundle, sessionResources, type ChartAssignment, type ChartMessage, type ChartNote, type ChartSession } from './resources';

/** Sessions per page of the bulk export, by default. */
export const EXPORT_PAGE = 100;
/** Sessions read from the database per round while an export streams. */
const EXPORT_BATCH = 20;

export interface Chart {
  session: ChartSession;
  trail: ChartAssignment[];
  messages: ChartMessage[];
}

const patients = alias(users, 'patients');

/** Everything the export needs of these sessions (of one clinic), in the order of `ids`: four queries whatever their number. */
export async function loadCharts(q: Queryable, clinicId: string, ids: string[]): Promise<Chart[]> {
  if (ids.length === 0) return [];
  const sessionRows = await q
    .select({ s: chatSessions, clinicName: clinics.name, siteKey: clinics.siteKey, patientName: patients.displayName, externalId: patients.externalId })
    .from(chatSessions)
    .innerJoin(clinics, eq(clinics.id, chatSessions.clinicId))
    .innerJoin(patients, eq(patients.id, chatSessions.patientId))
    .where(and(eq(chatSessions.clinicId, clinicId), inArray(chatSessions.id, ids)));
  const trailRows = await q
    .select({ a: assignments, name: users.displayName })
    .from(assignments)
    .innerJoin(users, eq(users.id, assignments.employeeId))
    .where(inArray(assignments.sessionId, ids))
    .orderBy(asc(assignments.startedAt), asc(assignments.id));
  const messageRows = await q
    .select({ m: messages, role: users.role, name: users.displayName })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.senderId))
    .where(inArray(messages.sessionId, ids))
    .orderBy(asc(messages.sessionId), asc(messages.seq));

  const charts = new Map<string, Chart>();
  for (const { s, clinicName, siteKey, patientName, externalId } of sessionRows) {
    charts.set(s.id, {
      session: {
        id: s.id,
        status: s.status,
        reason: s.reason,
        createdAt: s.createdAt,
        firstAssignedAt: s.firstAssignedAt,
        endedAt: s.endedAt,
        clinic: { name: clinicName, siteKey },
        patient: { id: s.patientId, displayName: patientName, externalId },
      },
      trail: [],
      messages: [],
    });
  }
  for (const { a, name } of trailRows) {
    charts.get(a.sessionId)?.trail.push({
      id: a.id,
      employeeId: a.employeeId,
      employeeName: name,
      startedAt: a.startedAt,
      endedAt: a.endedAt,
      startReason: a.startReason,
      endReason: a.endReason,
      leaveNote: a.leaveNote,
    });
  }
  const files = Map.groupBy(
    await q
      .select()
      .from(attachments)
      .where(and(inArray(attachments.sessionId, ids), isNotNull(attachments.messageId)))
      .orderBy(asc(attachments.position)),
    (a) => a.messageId!,
  );
  for (const { m, role, name } of messageRows) {
    charts.get(m.sessionId)?.messages.push({
      attachments: (files.get(m.id) ?? []).map((a) => ({
        id: a.id,
        name: a.name,
        contentType: a.contentType,
        size: a.size,
        url: `/api/v1/attachments/${a.id}`,
      })),
      id: m.id,
      seq: m.seq,
      kind: m.kind,
      senderId: m.senderId,
      senderRole: role,
      senderName: name,
      body: m.body,
      createdAt: m.createdAt,
    });
  }
  return ids.flatMap((id) => charts.get(id) ?? []);
}

/**
 * The internal notes of these sessions, by session, oldest first: read only for an export that asked for notes
 * (admins), never by `loadCharts`, so transcripts and every other reader of a chart leave them out.
 */
export async function loadInternalNotes(q: Queryable, ids: string[]): Promise<Map<string, ChartNote[]>> {
  const bySession = new Map<string, ChartNote[]>();
  if (ids.length === 0) return bySession;
  const rows = await q
    .select({ n: sessionNotes, name: users.displayName })
    .from(sessionNotes)
    .innerJoin(users, eq(users.id, sessionNotes.authorId))
    .where(inArray(sessionNotes.sessionId, ids))
    .orderBy(asc(sessionNotes.createdAt), asc(sessionNotes.id));
  const mentioned = [...new Set(rows.flatMap((r) => r.n.mentions))];
  const names = new Map(
    mentioned.length
      ? (await q.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, mentioned))).map((u) => [u.id, u.name])
      : [],
  );
  for (const { n, name } of rows) {
    const list = bySession.get(n.sessionId) ?? [];
    list.push({
      id: n.id,
      authorId: n.authorId,
      authorName: name,
      body: n.body,
      mentions: n.mentions.map((id) => ({ id, displayName: names.get(id) ?? '' })),
      createdAt: n.createdAt,
    });
    bySession.set(n.sessionId, list);
  }
  return bySession;
}

/** Handover notes and internal notes are staff-only: only admins may ask for them. */
function assertMayIncludeNotes(actor: Actor, includeNotes: boolean | undefined) {
  if (includeNotes && actor.role !== 'admin') throw new AppError('forbidden', { field: 'includeNotes', problem: 'admins only' });
}

/** One session as a FHIR R4 Bundle, for staff who may read it; audited as one `fhir.exported` row. */
export async function exportSessionBundle(ctx: AppContext, actor: Actor, sessionId: string, includeNotes: boolean | undefined, ip: string | null) {
  if (actor.role === 'patient') throw new AppError('forbidden');
  assertMayIncludeNotes(actor, includeNotes);
  await readableSession(ctx.db, actor, sessionId);
  const [chart] = await loadCharts(ctx.db, actor.clinicId, [sessionId]);
  if (!chart) throw new AppError('session_not_found');
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'fhir.exported', sessionId, ip });
  const notes = includeNotes ? await loadInternalNotes(ctx.db, [sessionId]) : new Map<string, ChartNote[]>();
  return sessionBundle(chart.session, chart.trail, chart.messages, includeNotes === true, new Date(), notes.get(sessionId));
}

export interface BulkExportRequest {
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
  includeNotes?: boolean;
}

/**
 * The clinic's sessions started from `from` (inclusive) to `to` (exclusive; by default the moment of the request),
 * oldest first, `limit` sessions a page, as NDJSON: each session's Encounter, Provenances and Communications, one
 * resource a line, references in `Type/id` form (as FHIR Bulk Data writes them). The page's sessions are chosen
 * first, so the audit row names each of them and the next page's cursor goes in the answer's headers; their
 * resources then stream a few sessions at a time, never all held in memory.
 */
export async function exportBulk(ctx: AppContext, actor: Actor, req: BulkExportRequest, ip: string | null) {
  assertMayIncludeNotes(actor, req.includeNotes);
  const after = decodeCursor(req.cursor);
  const to = req.to ?? new Date().toISOString();
  if (req.from !== undefined && Date.parse(req.from) > Date.parse(to)) throw new AppError('invalid_request', { field: 'from', problem: 'after to' });
  const limit = req.limit ?? EXPORT_PAGE;
  const page = rowsOf<{ id: string; at_key: string }>(
    await ctx.db.execute(sql`
      select id, created_at::text as at_key
        from chat_sessions
       where clinic_id = ${actor.clinicId}
         ${req.from ? sql`and created_at >= ${req.from}::timestamptz` : sql``}
         and created_at < ${to}::timestamptz
         ${after ? sql`and (created_at, id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}
       order by created_at, id
       limit ${limit + 1}`),
  );
  const ids = page.slice(0, limit).map((r) => r.id);
  const last = page.length > limit ? page[limit - 1] : undefined;
  await recordAudit(ctx.db, { clinicId: actor.clinicId, actorId: actor.id, action: 'fhir.bulk_exported', sessionIds: ids, ip });

  const encoder = new TextEncoder();
  const reference = (type: string, id: string) => `${type}/${id}`;
  let position = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const batch = ids.slice(position, position + EXPORT_BATCH);
      position += batch.length;
      let chunk = '';
      const notes = req.includeNotes ? await loadInternalNotes(ctx.db, batch) : new Map<string, ChartNote[]>();
      for (const c of await loadCharts(ctx.db, actor.clinicId, batch))
        for (const r of sessionResources(c.session, c.trail, c.messages, {
          reference,
          includeNotes: req.includeNotes === true,
          internalNotes: notes.get(c.session.id),
        }))
          chunk += JSON.stringify(r) + '\n';
      if (chunk) controller.enqueue(encoder.encode(chunk));
      if (position >= ids.length) controller.close();
    },
  });
  return { stream, to, nextCursor: last ? encodeCursor({ at: last.at_key, id: last.id }) : null };
}
