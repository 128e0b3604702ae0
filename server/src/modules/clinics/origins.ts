import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { clinics } from '../../db/schema';
import { isCleanText } from '../../lib/text';

/**
 * A backstop for changes that do not travel on the bus: clinics written outside the service (`cli.ts
 * create-clinic`, SQL by hand). Changes made through the API drop the cached copy on every instance at once
 * (`clinic.changed`, published by `service.ts` after commit).
 */
const MAX_AGE_MS = 60_000;

interface Entry {
  clinicId: string;
  origins: ReadonlySet<string>;
}

/**
 * Each clinic's allowed origins, cached per instance for CORS (read on most cross-origin requests). An entry is
 * dropped when any instance publishes `clinic.changed` for its clinic, and everything when the bus may have missed
 * events (a resync); a lookup that raced a change is not kept. Unknown site keys are never cached, so a flood of
 * made-up keys fills nothing.
 */
export class ClinicOrigins {
  private byId = new Map<string, { at: number; entry: Entry }>();
  private idBySiteKey = new Map<string, string>();
  private union: { at: number; origins: ReadonlySet<string> } | null = null;
  /** Bumped by every invalidation: a lookup that started before it does not store what it read. */
  private generation = 0;
  readonly stop: () => void;

  constructor(private readonly ctx: Pick<AppContext, 'db' | 'bus'>) {
    const unsubscribe = [
      ctx.bus.subscribe((e) => {
        if (e.t === 'clinic.changed') this.forget(e.clinicId);
      }),
      ctx.bus.onResync(() => this.forget(null)),
    ];
    this.stop = () => {
      for (const u of unsubscribe) u();
    };
  }

  /** Does this clinic allow `origin`? False for a clinic that does not exist. */
  async clinicAllows(clinicId: string, origin: string): Promise<boolean> {
    return (await this.byClinicId(clinicId))?.origins.has(origin) ?? false;
  }

  /** The clinic of this site key and whether it allows `origin`; null when no clinic has the key. */
  async siteAllows(siteKey: string, origin: string): Promise<boolean | null> {
    const known = this.idBySiteKey.get(siteKey);
    const entry = known ? await this.byClinicId(known) : await this.load(eq(clinics.siteKey, siteKey), siteKey);
    return entry ? entry.origins.has(origin) : null;
  }

  /** The origins this site key's clinic allows, or null when no clinic has the key (the chat frame's ancestors). */
  async originsOf(siteKey: string): Promise<readonly string[] | null> {
    const known = this.idBySiteKey.get(siteKey);
    const entry = known ? await this.byClinicId(known) : await this.load(eq(clinics.siteKey, siteKey), siteKey);
    return entry ? [...entry.origins] : null;
  }

  /** Does any clinic allow `origin`? For requests that do not name their clinic (preflights carry no body or token). */
  async anyClinicAllows(origin: string): Promise<boolean> {
    if (!this.union || Date.now() - this.union.at > MAX_AGE_MS) {
      const generation = this.generation;
      const rows = await this.ctx.db.select({ origins: clinics.allowedOrigins }).from(clinics).where(sql`cardinality(${clinics.allowedOrigins}) > 0`);
      const union = { at: Date.now(), origins: new Set(rows.flatMap((r) => r.origins)) };
      if (generation !== this.generation) return union.origins.has(origin);
      this.union = union;
    }
    return this.union.origins.has(origin);
  }

  private async byClinicId(clinicId: string): Promise<Entry | null> {
    const cached = this.byId.get(clinicId);
    if (cached && Date.now() - cached.at <= MAX_AGE_MS) return cached.entry;
    return this.load(eq(clinics.id, clinicId));
  }

  private async load(where: ReturnType<typeof eq>, siteKey?: string): Promise<Entry | null> {
    // A key with control characters cannot exist, and Postgres would refuse a NUL (a 500).
    if (siteKey !== undefined && !isCleanText(siteKey)) return null;
    const generation = this.generation;
    const [row] = await this.ctx.db.select({ id: clinics.id, siteKey: clinics.siteKey, origins: clinics.allowedOrigins }).from(clinics).where(where);
    if (!row) return null;
    const entry = { clinicId: row.id, origins: new Set(row.origins) };
    if (generation === this.generation) {
      this.byId.set(row.id, { at: Date.now(), entry });
      this.idBySiteKey.set(row.siteKey, row.id);
    }
    return entry;
  }

  /** Drops one clinic's entry (and the union of all origins), or everything (null). */
  private forget(clinicId: string | null) {
    this.generation++;
    this.union = null;
    if (clinicId === null) this.byId.clear();
    else this.byId.delete(clinicId);
  }
}
