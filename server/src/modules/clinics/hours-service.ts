/**
 * A clinic's opening hours: the admin's `GET/PUT /api/v1/clinic/hours`, and the status everyone may read
 * (open now, staff available, next opening) for the public lookup and the `clinic.opened` / `clinic.closed` frames.
 */
import { eq } from 'drizzle-orm';
import { HOURS_LIMITS, type ClinicHours, type OpeningStatus } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Queryable } from '../../db/client';
import { clinicHours } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { cleanText } from '../../lib/text';
import { inTransaction } from '../../lib/transaction';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/actor';
import { availableStaff } from '../employees/available';
import { openState, validateHours } from './hours';

/** What a clinic that never set its hours has: open around the clock. */
const DEFAULT_HOURS: ClinicHours = { hasSchedule: false, timeZone: 'UTC', weekly: [], closures: [], afterHoursText: '' };

export async function readHours(q: Queryable, clinicId: string): Promise<ClinicHours> {
  const [row] = await q.select().from(clinicHours).where(eq(clinicHours.clinicId, clinicId));
  if (!row) return DEFAULT_HOURS;
  const { hasSchedule, timeZone, weekly, closures, afterHoursText } = row;
  return { hasSchedule, timeZone, weekly, closures, afterHoursText };
}

/** Open now or not (at `now`), with staff availability and the clinic's after-hours text. */
export async function openingStatus(ctx: AppContext, clinicId: string, now = ctx.clock()): Promise<OpeningStatus> {
  const [hours, staff] = await Promise.all([readHours(ctx.db, clinicId), availableStaff(ctx, clinicId)]);
  const state = openState(hours, now);
  return {
    isOpen: state.isOpen,
    isStaffAvailable: staff > 0,
    nextOpenAt: state.nextOpenAt?.toISOString() ?? null,
    closesAt: state.closesAt?.toISOString() ?? null,
    afterHoursText: hours.afterHoursText,
  };
}

export async function getHours(ctx: AppContext, actor: Actor): Promise<ClinicHours> {
  if (actor.role !== 'admin') throw new AppError('forbidden');
  return readHours(ctx.db, actor.clinicId);
}

/** Replaces the clinic's hours (audited); every instance re-evaluates and tells its sockets if open/closed changed. */
export async function setHours(ctx: AppContext, actor: Actor, input: ClinicHours, ip: string | null): Promise<ClinicHours> {
  if (actor.role !== 'admin') throw new AppError('forbidden');
  const hours = validateHours({
    ...input,
    afterHoursText: input.afterHoursText.trim()
      ? cleanText(input.afterHoursText, 'afterHoursText', { maxLength: HOURS_LIMITS.afterHoursText, allowNewlines: true })
      : '',
  });
  await inTransaction(ctx, async (tx, emit) => {
    const values = { ...hours, updatedAt: new Date() };
    await tx
      .insert(clinicHours)
      .values({ clinicId: actor.clinicId, ...values })
      .onConflictDoUpdate({ target: clinicHours.clinicId, set: values });
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'clinic.hours_changed', ip });
    emit({ t: 'clinic.changed', clinicId: actor.clinicId });
  });
  return hours;
}
