/**
 * Who a user is (role, display name), for typing and read frames, which name the user. Read once a minute at most
 * per user, and bounded: past `max` entries the least recently used goes, so an instance that sees many patients
 * over a long uptime holds a fixed amount.
 */
import type { Role } from '@medchat/sdk/protocol';

export interface PersonInfo {
  role: Role;
  displayName: string;
}

export class PeopleCache {
  /** In use order, least recent first (a Map keeps insertion order; a hit moves the entry to the end). */
  private readonly entries = new Map<string, PersonInfo & { at: number }>();

  constructor(
    private readonly load: (userId: string) => Promise<PersonInfo>,
    private readonly options: { max: number; ttlMs: number; now?: () => number } = { max: 10_000, ttlMs: 60_000 },
  ) {}

  get size() {
    return this.entries.size;
  }

  async get(userId: string): Promise<PersonInfo> {
    const now = this.options.now ?? Date.now;
    const cached = this.entries.get(userId);
    this.entries.delete(userId);
    if (cached && now() - cached.at < this.options.ttlMs) {
      this.entries.set(userId, cached);
      return cached;
    }
    const value = { ...(await this.load(userId)), at: now() };
    this.entries.delete(userId);
    this.entries.set(userId, value);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.options.max) break;
      this.entries.delete(oldest);
    }
    return value;
  }
}
