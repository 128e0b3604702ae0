/** JSON over HTTP against a MedChat server, for setting up load (admin, employees, guests, sessions). */
import { mapLimit } from './util';

export const ADMIN = { email: 'admin@demo.clinic', password: 'medchat-demo' };
export const SITE_KEY = 'demo';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body)?.slice(0, 160)}`);
  }
}

export async function call<T = any>(base: string, method: string, path: string, options: { token?: string; body?: unknown; ok?: number[] } = {}): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!(options.ok ?? [200, 201, 204]).includes(res.status)) throw new ApiError(res.status, body, `${method} ${path}`);
  return body as T;
}

export interface Staff {
  id: string;
  token: string;
  email: string;
}

/**
 * E employees of the demo clinic, each with the given capacity, logged in and available. Passwords are hashed
 * with argon2id on the server (~0.1 s each), so this runs a few at a time.
 */
export async function createEmployees(base: string, count: number, capacity: number, tag: string): Promise<Staff[]> {
  const admin = await call(base, 'POST', '/api/v1/auth/login', { body: ADMIN });
  const password = 'bench-password-1';
  return mapLimit(
    Array.from({ length: count }, (_, i) => i),
    4,
    async (i) => {
      const email = `bench.${tag}.${i}@demo.clinic`;
      await call(base, 'POST', '/api/v1/employees', { token: admin.token, body: { email, displayName: `Bench ${tag} ${i}`, password, capacity } });
      const auth = await call(base, 'POST', '/api/v1/auth/login', { body: { email, password } });
      return { id: auth.user.id as string, token: auth.token as string, email };
    },
  );
}

export async function setAvailable(base: string, token: string) {
  await call(base, 'PUT', '/api/v1/employees/me/availability', { token, body: { availability: 'available' } });
}

export async function createGuests(base: string, count: number, concurrency = 32): Promise<Array<{ id: string; token: string }>> {
  return mapLimit(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async (i) => {
      const auth = await call(base, 'POST', '/api/v1/auth/guest', { body: { siteKey: SITE_KEY, displayName: `Bench Patient ${i}` } });
      return { id: auth.user.id as string, token: auth.token as string };
    },
  );
}
