/**
 * The floor for the SDK's bundle size: the least a browser client of this API needs (guest sign-in, start a
 * session, a socket that sends and receives messages), without retries, reconnects, ordering or types.
 */
export async function connect(base: string, siteKey: string, name: string, onMessage: (m: unknown) => void) {
  const post = async (path: string, body: unknown, token?: string) =>
    (
      await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      })
    ).json();
  const auth = await post('/api/v1/auth/guest', { siteKey, displayName: name });
  const session = await post('/api/v1/sessions', { reason: 'chat' }, auth.token);
  const { ticket } = await post('/api/v1/socket/ticket', {}, auth.token);
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/socket?ticket=${ticket}`);
  ws.onmessage = (e) => {
    const f = JSON.parse(e.data);
    if (f.type === 'message.created') onMessage(f.message);
  };
  ws.onopen = () => ws.send(JSON.stringify({ type: 'subscribe', sessionId: session.id, lastSeq: 0 }));
  return { send: (body: string) => ws.send(JSON.stringify({ type: 'message.send', sessionId: session.id, clientMsgId: crypto.randomUUID(), body })) };
}
