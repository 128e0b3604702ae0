/**
 * A clinic's intake questions: the admin's `GET/PUT /api/v1/clinic/intake`, what the public lookup carries, and the
 * check of a patient's answers when a chat starts (`priorityFromAnswers`), which decides the session's priority on
 * the server: a yes to any red-flag question makes it urgent, whatever the client believes.
 */
import { eq } from 'drizzle-orm';
import { INTAKE_LIMITS, type ClinicIntake, type ClinicIntakeParams, type IntakeAnswers, type IntakeTopic, type SessionPriority } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Queryable } from '../../db/client';
import { clinicIntake, teams, type IntakeAnswerRecord } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { cleanText } from '../../lib/text';
import { inTransaction } from '../../lib/transaction';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/actor';

/** The intake as stored: the admin's own instructions, possibly empty. */
export async function readIntake(q: Queryable, clinicId: string): Promise<ClinicIntake> {
  const [row] = await q.select().from(clinicIntake).where(eq(clinicIntake.clinicId, clinicId));
  return row
    ? { redFlags: row.redFlags, emergencyInstructions: row.emergencyInstructions, topics: row.topics }
    : { redFlags: [], emergencyInstructions: '', topics: [] };
}

/** What patients get: the instructions fall back to the clinic's emergency text, so a yes never shows nothing. */
export async function publicIntake(q: Queryable, clinicId: string, emergencyText: string): Promise<ClinicIntake> {
  const intake = await readIntake(q, clinicId);
  return { ...intake, emergencyInstructions: intake.emergencyInstructions || emergencyText };
}

export async function getIntake(ctx: AppContext, actor: Actor): Promise<ClinicIntake> {
  if (actor.role !== 'admin') throw new AppError('forbidden');
  return readIntake(ctx.db, actor.clinicId);
}

/**
 * Replaces the clinic's intake (audited as `clinic.intake_changed`). A question sent with the id of one the clinic
 * asks keeps it; any other id is a 400 (ids are the server's), and one without an id gets a new one.
 */
export async function setIntake(ctx: AppContext, actor: Actor, input: ClinicIntakeParams, ip: string | null): Promise<ClinicIntake> {
  if (actor.role !== 'admin') throw new AppError('forbidden');
  const current = await readIntake(ctx.db, actor.clinicId);
  const known = new Set(current.redFlags.map((q) => q.id));
  const seen = new Set<string>();
  const redFlags = input.redFlags.map((q, i) => {
    const field = `redFlags.${i}`;
    if (q.id !== undefined && (!known.has(q.id) || seen.has(q.id)))
      throw new AppError('invalid_request', { field: `${field}.id`, problem: 'unknown_question' });
    const id = q.id ?? crypto.randomUUID();
    seen.add(id);
    return { id, text: cleanText(q.text, `${field}.text`, { maxLength: INTAKE_LIMITS.question, refuseBidi: true }) };
  });
  const emergencyInstructions = input.emergencyInstructions.trim()
    ? cleanText(input.emergencyInstructions, 'emergencyInstructions', { maxLength: INTAKE_LIMITS.emergencyInstructions, allowNewlines: true })
    : '';
  const topics = input.topics === undefined ? (current.topics ?? []) : await checkTopics(ctx.db, actor.clinicId, current.topics ?? [], input.topics);
  const intake = { redFlags, emergencyInstructions, topics };
  await inTransaction(ctx, async (tx, emit) => {
    const values = { ...intake, updatedAt: new Date() };
    await tx
      .insert(clinicIntake)
      .values({ clinicId: actor.clinicId, ...values })
      .onConflictDoUpdate({ target: clinicIntake.clinicId, set: values });
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'clinic.intake_changed', ip });
    emit({ t: 'clinic.changed', clinicId: actor.clinicId });
  });
  return intake;
}

/** The topics as sent, checked: a known id kept, a new one given; each routed to a team of this clinic. */
async function checkTopics(q: Queryable, clinicId: string, current: IntakeTopic[], input: NonNullable<ClinicIntakeParams['topics']>): Promise<IntakeTopic[]> {
  const known = new Set(current.map((t) => t.id));
  const clinicTeams = new Set((await q.select({ id: teams.id }).from(teams).where(eq(teams.clinicId, clinicId))).map((t) => t.id));
  const seen = new Set<string>();
  return input.map((t, i) => {
    const field = `topics.${i}`;
    if (t.id !== undefined && (!known.has(t.id) || seen.has(t.id))) throw new AppError('invalid_request', { field: `${field}.id`, problem: 'unknown_topic' });
    if (!clinicTeams.has(t.teamId)) throw new AppError('team_not_found', { field: `${field}.teamId` });
    const id = t.id ?? crypto.randomUUID();
    seen.add(id);
    return { id, label: cleanText(t.label, `${field}.label`, { maxLength: INTAKE_LIMITS.topicLabel, refuseBidi: true }), teamId: t.teamId };
  });
}

/**
 * Checks a patient's answers against the clinic's questions and decides the priority. Omitted answers (a client
 * that shows no questions): routine, nothing stored. Given answers must answer each question the clinic asks now
 * exactly once; anything else is a 400 before anything is written.
 */
export async function priorityFromAnswers(
  q: Queryable,
  clinicId: string,
  answers: IntakeAnswers | undefined,
): Promise<{ priority: SessionPriority; record: IntakeAnswerRecord | null; topic: IntakeTopic | null }> {
  if (answers === undefined) return { priority: 'routine', record: null, topic: null };
  const { redFlags, topics = [] } = await readIntake(q, clinicId);
  const topic = answers.topic === undefined ? null : (topics.find((t) => t.id === answers.topic) ?? null);
  if (answers.topic !== undefined && !topic) throw new AppError('invalid_request', { field: 'intake.topic', problem: 'unknown_topic' });
  const given = new Map<string, boolean>();
  for (const [i, a] of answers.redFlags.entries()) {
    if (given.has(a.id)) throw new AppError('invalid_request', { field: `intake.redFlags.${i}.id`, problem: 'answered_twice' });
    if (!redFlags.some((q) => q.id === a.id)) throw new AppError('invalid_request', { field: `intake.redFlags.${i}.id`, problem: 'unknown_question' });
    given.set(a.id, a.answer);
  }
  const missing = redFlags.findIndex((q) => !given.has(q.id));
  if (missing >= 0) throw new AppError('invalid_request', { field: 'intake.redFlags', problem: 'unanswered_question', question: redFlags[missing]!.id });
  const record = { redFlags: redFlags.map((q) => ({ id: q.id, question: q.text, answer: given.get(q.id)! })) };
  return { priority: record.redFlags.some((a) => a.answer) ? 'urgent' : 'routine', record: record.redFlags.length ? record : null, topic };
}
