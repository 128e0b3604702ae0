import { and, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { AppContext } from '../../../server/src/context';
import { DEMO_PASSWORD } from '../../../server/src/db/seed';
import { authTokens, chatSessions, clinics, users } from '../../../server/src/db/schema';
import { hashToken, newToken } from '../../../server/src/lib/tokens';
import { authenticate, logout, startGuest } from '../../../server/src/modules/auth/service';
import type { Actor } from '../../../server/src/modules/auth/actor';
import { createClinic } from '../../../server/src/modules/clinics/service';
import { setAvailability } from '../../../server/src/modules/employees/service';
import { endSession, startSession } from '../../../server/src/modules/sessions/service';
import { createNote } from '../../../server/src/modules/notes/service';
import { createQuickReply } from '../../../server/src/modules/quick-replies/service';
import { createTeam } from '../../../server/src/modules/teams/service';

/**
 * In the body of every internal note the world writes: no answer to a patient (HTTP or socket) may ever hold it
 * (tests/fuzz/http.test.ts, socket.test.ts).
 */
export const NOTE_MARKER = 'internal-note-canary-5f3e9c';

/** The callers a fuzz case can act as, besides anonymous and junk tokens. */
export const ACTORS = ['patient', 'otherPatient', 'employee', 'otherEmployee', 'admin', 'foreignAdmin', 'foreignPatient'] as const;
export type ActorName = (typeof ACTORS)[number];
/** Sessions a case can point at: the patient's active one (held by `employee`), a waiting one, an ended one, another clinic's. */
export const SESSION_REFS = ['active', 'waiting', 'ended', 'foreign'] as const;
export type SessionRef = (typeof SESSION_REFS)[number];
/** Users a case can point at (employees/:id): staff of both clinics and a patient. */
export const USER_REFS = ['employee', 'otherEmployee', 'admin', 'foreignAdmin', 'patient'] as const;
export type UserRef = (typeof USER_REFS)[number];

const STAFF = { employee: 'nurse.joy@demo.clinic', otherEmployee: 'nurse.sam@demo.clinic', admin: 'admin@demo.clinic' } as const;
const FOREIGN_ADMIN = { email: 'admin@elsewhere.clinic', password: 'elsewhere-password-1' };
/** Enough for `employee` to take every rebuilt session whatever the fuzz did to the clinic's default. */
const EMPLOYEE_CAPACITY = 50;
const TOKEN_TTL_SECONDS = 24 * 3600;

/**
 * The fuzz tests' world: two clinics, a caller of every kind with a valid token, and sessions in every state.
 * Accepted requests change it (a token revoked, a password changed, the active session ended); `heal()` puts it
 * back afterwards, so valid-shaped cases keep reaching the business logic instead of bouncing off a 401.
 */
export class World {
  readonly users = {} as Record<ActorName, string>;
  readonly tokens = {} as Record<ActorName, string>;
  readonly sessions = {} as Record<SessionRef, string>;
  /** A token that was valid once and has been revoked by logging out. */
  revokedToken = '';
  /** A quick reply of the home clinic (the admin routes' `:id`); gone once a case deleted it. */
  quickReplyId = '';
  teamId = '';
  /** The clinic's site key for patients of each clinic. */
  readonly siteKeys = { home: 'demo', foreign: 'elsewhere' } as const;
  private readonly staffState = new Map<string, { passwordHash: string | null; capacity: number | null }>();
  private homeClinicId = '';

  private constructor(readonly ctx: AppContext) {}

  static async create(ctx: AppContext): Promise<World> {
    const w = new World(ctx);
    await w.build();
    return w;
  }

  private get db() {
    return this.ctx.db;
  }

  private async build() {
    await createClinic(this.db, {
      name: 'Elsewhere Clinic',
      siteKey: this.siteKeys.foreign,
      adminEmail: FOREIGN_ADMIN.email,
      adminPassword: FOREIGN_ADMIN.password,
    });
    const [home] = await this.db.select({ id: clinics.id }).from(clinics).where(eq(clinics.siteKey, this.siteKeys.home));
    this.homeClinicId = home!.id;
    for (const [name, email] of [...Object.entries(STAFF), ['foreignAdmin', FOREIGN_ADMIN.email]] as Array<[ActorName, string]>) {
      const [u] = await this.db.select().from(users).where(eq(users.email, email));
      this.users[name] = u!.id;
    }
    await this.db.update(users).set({ capacity: EMPLOYEE_CAPACITY }).where(eq(users.id, this.users.employee));
    for (const row of await this.db.select().from(users).where(inArray(users.id, this.staffIds())))
      this.staffState.set(row.id, { passwordHash: row.passwordHash, capacity: row.capacity });
    for (const name of ['employee', 'otherEmployee', 'admin', 'foreignAdmin'] as const) this.tokens[name] = await this.mintToken(this.users[name]);

    const revoked = await this.guest('Revoked Patient');
    await logout(this.ctx, (await authenticate(this.db, revoked.token))!, null);
    this.revokedToken = revoked.token;

    this.setActor('foreignPatient', await this.guest('Foreign Patient', 'foreign'));
    this.sessions.foreign = (await startSession(this.ctx, (await this.actor('foreignPatient'))!, { reason: 'Elsewhere' }, null)).session.id;

    // The ended session belongs to the same patient as the active one.
    const patient = await this.guest('Pat Fuzz');
    this.setActor('patient', patient);
    const first = await startSession(this.ctx, (await this.actor('patient'))!, { reason: 'Earlier visit' }, null);
    await endSession(this.ctx, (await this.actor('patient'))!, first.session.id, null);
    this.sessions.ended = first.session.id;
    const admin = (await this.actor('admin'))!;
    await createNote(this.ctx, admin, first.session.id, { body: `Filed after the visit. ${NOTE_MARKER}`, mentions: [this.users.employee] }, null);
    this.quickReplyId = (await createQuickReply(this.ctx, admin, { shortcut: 'hours', body: 'We are open 8 to 18.' }, null)).id;
    this.teamId = (await createTeam(this.ctx, admin, { name: 'Nursing' }, null)).id;
    await this.rebuildSessions();
  }

  private staffIds() {
    return [this.users.employee, this.users.otherEmployee, this.users.admin, this.users.foreignAdmin];
  }

  private setActor(name: ActorName, auth: { token: string; user: { id: string } }) {
    this.tokens[name] = auth.token;
    this.users[name] = auth.user.id;
  }

  private actor(name: ActorName): Promise<Actor | null> {
    return authenticate(this.db, this.tokens[name]);
  }

  private guest(displayName: string, clinic: 'home' | 'foreign' = 'home') {
    return startGuest(this.ctx, { siteKey: this.siteKeys[clinic], displayName }, null);
  }

  /** A fresh token for a user, written straight to the table: no login, so no audit row and no rate limit. */
  private async mintToken(userId: string): Promise<string> {
    const token = newToken();
    await this.db.insert(authTokens).values({ userId, tokenHash: hashToken(token), expiresAt: new Date(Date.now() + TOKEN_TTL_SECONDS * 1000) });
    return token;
  }

  /**
   * A new active session (patient ↔ employee) and a new waiting one. Every open chat of the clinic is ended first
   * (their patients end them), which frees every employee's capacity; everyone else is set away, so that the
   * employee is the only one who can take the first and nobody takes the second.
   */
  private async rebuildSessions() {
    const open = await this.db
      .select({ id: chatSessions.id, patientId: chatSessions.patientId })
      .from(chatSessions)
      .where(and(eq(chatSessions.clinicId, this.homeClinicId), ne(chatSessions.status, 'ended')));
    for (const s of open)
      await endSession(
        this.ctx,
        { id: s.patientId, clinicId: this.homeClinicId, role: 'patient', displayName: '', tokenHash: '', mfaPending: false },
        s.id,
        null,
      );
    await this.db
      .update(users)
      .set({ availability: 'away' })
      .where(and(eq(users.clinicId, this.homeClinicId), ne(users.role, 'patient'), eq(users.availability, 'available')));
    const employee = (await this.actor('employee'))!;
    await setAvailability(this.ctx, employee, 'available', null);
    // A patient has one open session at a time: one who still has one is replaced by a new patient.
    if (await this.openSessionOf('patient')) this.setActor('patient', await this.guest('Pat Fuzz'));
    const active = await startSession(this.ctx, (await this.actor('patient'))!, { reason: 'Cough' }, null);
    if (active.session.employee?.id !== this.users.employee) throw new Error(`world: the active session went to ${active.session.employee?.id ?? 'nobody'}`);
    this.sessions.active = active.session.id;
    // Every active session carries an internal note, mentioning a colleague, that its patient must never see.
    await createNote(this.ctx, employee, active.session.id, { body: `Check allergies. ${NOTE_MARKER}`, mentions: [this.users.otherEmployee] }, null);
    await setAvailability(this.ctx, employee, 'away', null);
    if (!this.tokens.otherPatient || (await this.openSessionOf('otherPatient'))) this.setActor('otherPatient', await this.guest('Robin Fuzz'));
    const waiting = await startSession(this.ctx, (await this.actor('otherPatient'))!, { reason: 'Rash' }, null);
    if (waiting.session.status !== 'waiting') throw new Error('world: the waiting session was taken');
    this.sessions.waiting = waiting.session.id;
  }

  private async openSessionOf(name: ActorName) {
    const [row] = await this.db
      .select({ id: chatSessions.id })
      .from(chatSessions)
      .where(and(eq(chatSessions.patientId, this.users[name]), ne(chatSessions.status, 'ended')));
    return row?.id ?? null;
  }

  /**
   * Restores what accepted requests may have changed: staff deactivated or with a new password or capacity, tokens
   * revoked, the active session ended or handed over, the waiting one taken. Returns the callers whose token or
   * identity changed (their sockets must be reopened). Writes only what differs.
   */
  async heal(): Promise<ActorName[]> {
    const before = { ...this.tokens };
    for (const row of await this.db.select().from(users).where(inArray(users.id, this.staffIds()))) {
      const want = this.staffState.get(row.id)!;
      if (!row.active || row.passwordHash !== want.passwordHash || row.capacity !== want.capacity) {
        await this.db.update(users).set({ active: true, passwordHash: want.passwordHash, capacity: want.capacity }).where(eq(users.id, row.id));
      }
    }
    const hashes = ACTORS.map((a) => hashToken(this.tokens[a]));
    const live = new Set(
      (
        await this.db
          .select({ hash: authTokens.tokenHash })
          .from(authTokens)
          .where(and(inArray(authTokens.tokenHash, hashes), isNull(authTokens.revokedAt), gt(authTokens.expiresAt, sql`now()`)))
      ).map((r) => r.hash),
    );
    for (const a of ACTORS) {
      if (live.has(hashToken(this.tokens[a]))) continue;
      this.tokens[a] = await this.mintToken(this.users[a]);
    }
    const states = await this.db
      .select()
      .from(chatSessions)
      .where(inArray(chatSessions.id, [this.sessions.active, this.sessions.waiting]));
    const active = states.find((s) => s.id === this.sessions.active);
    const waiting = states.find((s) => s.id === this.sessions.waiting);
    const healthy = active?.status === 'active' && active.employeeId === this.users.employee && waiting?.status === 'waiting';
    if (!healthy) await this.rebuildSessions();
    return ACTORS.filter((a) => this.tokens[a] !== before[a]);
  }

  /** Credentials the tests need for logins: the demo staff password and the other clinic's admin. */
  static readonly passwords = { demo: DEMO_PASSWORD, foreignAdmin: FOREIGN_ADMIN } as const;
}
