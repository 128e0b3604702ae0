import { eq } from 'drizzle-orm';
import { LIMITS, type ClinicPublic, type ClinicSettings } from '@medchat/sdk/protocol';
import type { AppContext } from '../../context';
import type { Database, Queryable } from '../../db/client';
import { clinics, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { cleanName, cleanText, isCleanText } from '../../lib/text';
import { newToken } from '../../lib/tokens';
import { inTransaction } from '../../lib/transaction';
import { recordAudit } from '../audit/service';
import type { Actor } from '../auth/actor';
import { openingStatus } from './hours-service';
import { publicIntake } from './intake-service';

type ClinicRow = typeof clinics.$inferSelect;

const toSettings = (c: ClinicRow): ClinicSettings => ({
  id: c.id,
  name: c.name,
  siteKey: c.siteKey,
  allowedOrigins: c.allowedOrigins,
  emergencyText: c.emergencyText,
  phone: c.phone,
  defaultCapacity: c.defaultCapacity,
  graceSeconds: c.graceSeconds,
  firstReplySeconds: c.firstReplySeconds,
  awayTimeoutMinutes: c.awayTimeoutMinutes,
  patientIdleMinutes: c.patientIdleMinutes,
  inactiveCloseHours: c.inactiveCloseHours,
  retentionDays: c.retentionDays,
  brandColor: c.brandColor,
  requireStaffMfa: c.requireStaffMfa,
  webhookMessageText: c.webhookMessageText,
  notificationFirstNames: c.notificationFirstNames,
  teamFallback: c.teamFallback,
  emailNotify: c.emailNotify,
  emailConsentText: c.emailConsentText,
  emailFirstDelayMinutes: c.emailFirstDelayMinutes,
  emailReminderMinutes: c.emailReminderMinutes,
  emailPageUrl: c.emailPageUrl,
  emailSenderName: c.emailSenderName,
  attachmentMaxBytes: c.attachmentMaxBytes,
  attachmentsPerMessage: c.attachmentsPerMessage,
});

/** The clinic with this site key, or null. A key with control characters cannot exist (and Postgres would refuse a NUL). */
export async function clinicBySiteKey(q: Queryable, siteKey: string): Promise<ClinicRow | null> {
  if (!isCleanText(siteKey)) return null;
  const [clinic] = await q.select().from(clinics).where(eq(clinics.siteKey, siteKey));
  return clinic ?? null;
}

export async function findClinicBySiteKey(q: Queryable, siteKey: string): Promise<ClinicRow> {
  const clinic = await clinicBySiteKey(q, siteKey);
  if (!clinic) throw new AppError('clinic_not_found');
  return clinic;
}

/** May a browser page on `origin` open a patient socket for this clinic? Exact match only (docs/requirements.md#auth). */
export async function clinicAllowsOrigin(q: Queryable, clinicId: string, origin: string): Promise<boolean> {
  const [clinic] = await q.select({ origins: clinics.allowedOrigins }).from(clinics).where(eq(clinics.id, clinicId));
  return clinic?.origins.includes(origin) ?? false;
}

/** `origin`: the asking page's (the `Origin` header), so a widget on a site the clinic does not allow can say so. */
export async function getPublicClinic(ctx: AppContext, siteKey: string, origin: string | null): Promise<ClinicPublic> {
  const c = await findClinicBySiteKey(ctx.db, siteKey);
  const originAllowed = origin === null || c.allowedOrigins.includes(origin);
  const [hours, intake] = await Promise.all([openingStatus(ctx, c.id), publicIntake(ctx.db, c.id, c.emergencyText)]);
  const emailConsent = c.emailNotify && c.emailPageUrl ? c.emailConsentText : null;
  return {
    id: c.id,
    name: c.name,
    emergencyText: c.emergencyText,
    brandColor: c.brandColor,
    originAllowed,
    hours,
    intake,
    emailConsent,
    attachmentMaxBytes: c.attachmentMaxBytes,
    attachmentsPerMessage: c.attachmentsPerMessage,
  };
}

async function clinicOf(q: Queryable, actor: Actor): Promise<ClinicRow> {
  if (actor.role !== 'admin') throw new AppError('forbidden');
  const [c] = await q.select().from(clinics).where(eq(clinics.id, actor.clinicId));
  if (!c) throw new AppError('clinic_not_found');
  return c;
}

export async function getSettings(ctx: AppContext, actor: Actor): Promise<ClinicSettings> {
  return toSettings(await clinicOf(ctx.db, actor));
}

/** An exact origin: scheme://host[:port], nothing else. */
export function normalizeOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new AppError('invalid_request', { field: 'allowedOrigins', problem: 'not_a_url' });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.replace(/\/$/, '')) {
    throw new AppError('invalid_request', { field: 'allowedOrigins', problem: 'not_an_origin' });
  }
  return url.origin;
}

/** The page an email's link opens: an http(s) URL without credentials, kept as the URL parser writes it. */
function pageUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError('invalid_request', { field: 'emailPageUrl', problem: 'not_a_url' });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    throw new AppError('invalid_request', { field: 'emailPageUrl', problem: 'not_a_url' });
  }
  return url.href;
}

export type SettingsPatch = Partial<
  Pick<
    ClinicSettings,
    | 'name'
    | 'allowedOrigins'
    | 'emergencyText'
    | 'phone'
    | 'defaultCapacity'
    | 'graceSeconds'
    | 'firstReplySeconds'
    | 'awayTimeoutMinutes'
    | 'patientIdleMinutes'
    | 'inactiveCloseHours'
    | 'retentionDays'
    | 'brandColor'
    | 'requireStaffMfa'
    | 'webhookMessageText'
    | 'notificationFirstNames'
    | 'teamFallback'
    | 'emailNotify'
    | 'emailConsentText'
    | 'emailFirstDelayMinutes'
    | 'emailReminderMinutes'
    | 'emailPageUrl'
    | 'emailSenderName'
    | 'attachmentMaxBytes'
    | 'attachmentsPerMessage'
  >
>;

export async function updateSettings(ctx: AppContext, actor: Actor, patch: SettingsPatch, ip: string | null): Promise<ClinicSettings> {
  const current = await clinicOf(ctx.db, actor);
  const values = {
    name: patch.name === undefined ? undefined : cleanName(patch.name, 'name', { maxLength: LIMITS.clinicName }),
    emergencyText:
      patch.emergencyText === undefined ? undefined : cleanText(patch.emergencyText, 'emergencyText', { maxLength: LIMITS.emergencyText, allowNewlines: true }),
    // One line; blank removes it, so `{clinic.phone}` is left for staff to fill.
    phone:
      patch.phone === undefined
        ? undefined
        : patch.phone === null || patch.phone.trim() === ''
          ? null
          : cleanText(patch.phone, 'phone', { maxLength: LIMITS.clinicPhone, refuseBidi: true }),
    allowedOrigins: patch.allowedOrigins?.map(normalizeOrigin),
    defaultCapacity: patch.defaultCapacity,
    graceSeconds: patch.graceSeconds,
    firstReplySeconds: patch.firstReplySeconds,
    awayTimeoutMinutes: patch.awayTimeoutMinutes,
    patientIdleMinutes: patch.patientIdleMinutes,
    inactiveCloseHours: patch.inactiveCloseHours,
    retentionDays: patch.retentionDays,
    brandColor: patch.brandColor,
    requireStaffMfa: patch.requireStaffMfa,
    webhookMessageText: patch.webhookMessageText,
    notificationFirstNames: patch.notificationFirstNames,
    teamFallback: patch.teamFallback,
    emailNotify: patch.emailNotify,
    emailConsentText:
      patch.emailConsentText === undefined
        ? undefined
        : cleanText(patch.emailConsentText, 'emailConsentText', { maxLength: LIMITS.emailConsentText, allowNewlines: true }),
    emailFirstDelayMinutes: patch.emailFirstDelayMinutes,
    emailReminderMinutes: patch.emailReminderMinutes,
    emailPageUrl: patch.emailPageUrl === undefined || patch.emailPageUrl === null ? patch.emailPageUrl : pageUrl(patch.emailPageUrl),
    emailSenderName:
      patch.emailSenderName === undefined || patch.emailSenderName === null
        ? patch.emailSenderName
        : cleanName(patch.emailSenderName, 'emailSenderName', { maxLength: LIMITS.clinicName }),
    attachmentMaxBytes: patch.attachmentMaxBytes,
    attachmentsPerMessage: patch.attachmentsPerMessage,
  };
  // Nothing to change (an empty patch; Elysia also turns a body that is not an object into {}): nothing written.
  // drizzle refuses an UPDATE without values, which was a 500.
  if (Object.values(values).every((v) => v === undefined)) return toSettings(current);
  if (patch.requireStaffMfa && !current.requireStaffMfa) {
    // Otherwise the admin's next request would meet the very set-up they asked of everyone, unannounced.
    const [me] = await ctx.db.select({ on: users.mfaEnabledAt }).from(users).where(eq(users.id, actor.id));
    if (!me?.on) throw new AppError('conflict', undefined, 'Turn on two-step sign-in for your own account first.');
  }
  const row = await inTransaction(ctx, async (tx, emit) => {
    const [updated] = await tx.update(clinics).set(values).where(eq(clinics.id, actor.clinicId)).returning();
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'clinic.settings_changed', ip });
    emit({ t: 'clinic.changed', clinicId: actor.clinicId });
    return updated!;
  });
  return toSettings(row);
}

export async function rotateIdentitySecret(ctx: AppContext, actor: Actor, ip: string | null): Promise<{ secret: string }> {
  await clinicOf(ctx.db, actor);
  const secret = newToken();
  await inTransaction(ctx, async (tx, emit) => {
    await tx.update(clinics).set({ identitySecret: secret }).where(eq(clinics.id, actor.clinicId));
    await recordAudit(tx, { clinicId: actor.clinicId, actorId: actor.id, action: 'clinic.secret_rotated', ip });
    emit({ t: 'clinic.changed', clinicId: actor.clinicId });
  });
  return { secret };
}

/** How a real deployment starts: a clinic and its first admin (the `create-clinic` command). */
export async function createClinic(
  db: Database,
  input: { name: string; siteKey: string; adminEmail: string; adminPassword: string; adminName?: string; allowedOrigins?: string[] },
) {
  const passwordHash = await Bun.password.hash(input.adminPassword, { algorithm: 'argon2id' });
  return db.transaction(async (tx) => {
    const [clinic] = await tx
      .insert(clinics)
      .values({ name: input.name, siteKey: input.siteKey, identitySecret: newToken(), allowedOrigins: (input.allowedOrigins ?? []).map(normalizeOrigin) })
      .returning();
    const [admin] = await tx
      .insert(users)
      .values({
        clinicId: clinic!.id,
        role: 'admin',
        email: input.adminEmail.trim().toLowerCase(),
        displayName: input.adminName ?? 'Administrator',
        passwordHash,
      })
      .returning({ id: users.id });
    return { clinic: clinic!, adminId: admin!.id };
  });
}
