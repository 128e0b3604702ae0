import type { ErrorBody, MedChat } from '@medchat/sdk';

/**
 * A call the SDK has no method for (its main entry is held to a size budget): the console's token, JSON both
 * ways, and the server's own words when it refuses.
 */
export async function callApi<T>(client: MedChat, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${location.origin}/api/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${client.auth.token ?? ''}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) throw new Error((json as ErrorBody | null)?.error.message ?? `The server answered ${res.status}.`);
  return json as T;
}
