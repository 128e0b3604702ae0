import type { AuthResult } from '../protocol/models';

/**
 * Where the client keeps its credentials. Only the auth result (token, expiry, user) is stored, never
 * message content (RELIABILITY P6). Synchronous so that `client.auth.user` is known at construction.
 */
export interface TokenStorage {
  get(): AuthResult | null;
  set(value: AuthResult | null): void;
}

/** The default: credentials live as long as the client object. */
export function memoryTokens(): TokenStorage {
  let value: AuthResult | null = null;
  return { get: () => value, set: (next) => void (value = next) };
}

/**
 * Keeps credentials in `localStorage` under `key`, so a page reload (or a second tab) resumes the same patient.
 * Storage failures (private mode, quota) degrade to memory-only. (The client ignores expired entries.)
 */
export function localStorageTokens(key = 'medchat.auth'): TokenStorage {
  const fallback = memoryTokens();
  const store = (): Storage | undefined => {
    try {
      return globalThis.localStorage;
    } catch {
      return undefined;
    }
  };
  return {
    get() {
      try {
        const raw = store()?.getItem(key);
        return raw ? (JSON.parse(raw) as AuthResult) : fallback.get();
      } catch {
        return fallback.get();
      }
    },
    set(value) {
      fallback.set(value);
      try {
        if (value) store()?.setItem(key, JSON.stringify(value));
        else store()?.removeItem(key);
      } catch {
        // Memory fallback already holds the value.
      }
    },
  };
}
