import type { AuthResult } from '../protocol/models';

/**
 * Where the client keeps its credentials. Only the auth result (token, expiry, user) is stored, never
 * message content (docs/requirements.md#privacy). Synchronous so that `client.auth.user` is known at construction.
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
 * Storage failures (private mode, quota) degrade to memory-only. While storage works it is the only truth: a
 * token another tab removed (signed out) stays removed here too. (The client ignores expired entries.)
 */
export function localStorageTokens(key = 'medchat.auth'): TokenStorage {
  const fallback = memoryTokens();
  let isFallback = false;
  // Each access is inside a try: merely reading `localStorage` throws where storage is blocked (sandboxed frames).
  const store = (): Storage | undefined => globalThis.localStorage;
  return {
    get() {
      try {
        const storage = store();
        if (!storage || isFallback) return fallback.get();
        const raw = storage.getItem(key);
        return raw ? (JSON.parse(raw) as AuthResult) : null;
      } catch {
        return fallback.get();
      }
    },
    set(value) {
      fallback.set(value);
      try {
        if (value) store()?.setItem(key, JSON.stringify(value));
        else store()?.removeItem(key);
        isFallback = false;
      } catch {
        isFallback = true; // Memory already holds the value.
      }
    },
  };
}
