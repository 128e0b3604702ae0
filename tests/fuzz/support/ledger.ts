import type { Database } from '../../../server/src/db/client';
import { databaseDigest, type Table } from '../../helpers/digest';

type Digest = Record<string, string>;

/**
 * Keeps the database digest of "now" between cases, so that proving a refusal changed nothing costs one digest
 * (after the request) rather than two. Anything that may have written (an accepted request, healing the world,
 * opening a socket) must call `invalidate()`.
 */
export class Ledger {
  private known: Digest | null = null;
  /** Digests computed and the time they took, for the summary. */
  digests = 0;
  digestMs = 0;

  constructor(private readonly db: Database) {}

  private async compute(leaveOut?: Partial<Record<Table, string>>) {
    this.digests++;
    const started = performance.now();
    const digest = await databaseDigest(this.db, leaveOut);
    this.digestMs += performance.now() - started;
    return digest;
  }

  /** The digest as of now; `leaveOut` as in databaseDigest (then computed afresh, never cached). */
  async now(leaveOut?: Partial<Record<Table, string>>): Promise<Digest> {
    if (leaveOut) return this.compute(leaveOut);
    this.known ??= await this.compute();
    return this.known;
  }

  invalidate() {
    this.known = null;
  }

  /** Compares the database with `before`; returns the tables that differ (empty: unchanged). */
  async changedSince(before: Digest, leaveOut?: Partial<Record<Table, string>>): Promise<string[]> {
    const after = await this.compute(leaveOut);
    if (!leaveOut) this.known = after;
    else this.known = null;
    return Object.keys(before).filter((table) => before[table] !== after[table]);
  }
}
