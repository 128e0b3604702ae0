import { eq } from 'drizzle-orm';
import type { Database } from './client';
import { clinicIntake, clinics, quickReplies, users } from './schema';
import { createClinic } from '../modules/clinics/service';

export const DEMO_SITE_KEY = 'demo';
export const DEMO_PASSWORD = 'medchat-demo';
export const DEMO_BRAND_COLOR = '#0b6e69';
export const DEMO_STAFF = [
  { email: 'admin@demo.clinic', displayName: 'Dr. Ada Admin', role: 'admin' as const },
  { email: 'nurse.joy@demo.clinic', displayName: 'Nurse Joy', role: 'employee' as const },
  { email: 'nurse.sam@demo.clinic', displayName: 'Nurse Sam', role: 'employee' as const },
  { email: 'dr.lee@demo.clinic', displayName: 'Dr. Lee', role: 'employee' as const },
];

/** The demo clinic: 3 employees, 1 admin, 2 patients. Idempotent: running it twice changes nothing. */
export async function seedDemo(db: Database, options: { allowedOrigins?: string[] } = {}) {
  const [existing] = await db.select().from(clinics).where(eq(clinics.siteKey, DEMO_SITE_KEY));
  if (existing) return existing;
  const [admin, ...employees] = DEMO_STAFF;
  const { clinic } = await createClinic(db, {
    name: 'Riverside Family Clinic',
    siteKey: DEMO_SITE_KEY,
    adminEmail: admin!.email,
    adminName: admin!.displayName,
    adminPassword: DEMO_PASSWORD,
    allowedOrigins: options.allowedOrigins,
  });
  // The demo page's teal (examples/clinic-site/styles.css), so the widget matches the site it sits on.
  await db.update(clinics).set({ brandColor: DEMO_BRAND_COLOR }).where(eq(clinics.id, clinic.id));
  const passwordHash = await Bun.password.hash(DEMO_PASSWORD, { algorithm: 'argon2id' });
  await db
    .insert(users)
    .values([
      ...employees.map((e) => ({ clinicId: clinic.id, role: e.role, email: e.email, displayName: e.displayName, passwordHash })),
      { clinicId: clinic.id, role: 'patient' as const, displayName: 'Pat Example', externalId: 'demo-patient-1' },
      { clinicId: clinic.id, role: 'patient' as const, displayName: 'Robin Sample', externalId: 'demo-patient-2' },
    ]);
  return { ...clinic, brandColor: DEMO_BRAND_COLOR };
}

/** What the demo shows beyond the bare clinic: the intake's red-flag questions and a few quick replies for staff. */
export const DEMO_RED_FLAGS = ['Do you have chest pain or trouble breathing?', 'Are you bleeding heavily, and it does not stop?'];
export const DEMO_QUICK_REPLIES = [
  { shortcut: 'hours', body: 'We are open Monday to Friday, 8:00 to 18:00. Outside those hours, call 112 in an emergency.' },
  { shortcut: 'prescription', body: 'Your prescription is ready. You can pick it up at the front desk with an ID.' },
  { shortcut: 'emergency', body: 'This sounds urgent. Please call 112 now or go to the nearest emergency department.' },
  { shortcut: 'followup', body: 'Thank you. A nurse will call you back today to follow up.' },
];

/**
 * The demo's red flags and quick replies (`npm start` only: tests seed the bare clinic). Each only where the clinic
 * has none yet, so an admin's own changes survive a restart.
 */
export async function seedDemoExtras(db: Database, clinicId: string) {
  const [intake] = await db.select({ id: clinicIntake.clinicId }).from(clinicIntake).where(eq(clinicIntake.clinicId, clinicId));
  if (!intake) await db.insert(clinicIntake).values({ clinicId, redFlags: DEMO_RED_FLAGS.map((text) => ({ id: crypto.randomUUID(), text })) });
  const [reply] = await db.select({ id: quickReplies.id }).from(quickReplies).where(eq(quickReplies.clinicId, clinicId)).limit(1);
  if (!reply) await db.insert(quickReplies).values(DEMO_QUICK_REPLIES.map((r) => ({ clinicId, ...r })));
}
