import { eq } from 'drizzle-orm';
import type { Database } from './client';
import { clinics, users } from './schema';
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
