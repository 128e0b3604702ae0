/**
 * The floor for chat throughput, latency and socket memory: a raw Bun WebSocket relay with MedChat's frame shapes
 * but no auth, no database, no rate limit. `subscribe` joins a topic; `message.send` gets a seq, is published to
 * the topic as `message.created` and acked to the sender. Run: PORT=… bun run bench/floors/relay.ts
 */
const seqs = new Map<string, number>();

const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: '127.0.0.1',
  fetch(req, srv) {
    if (srv.upgrade(req)) return;
    return new Response('relay', { status: 200 });
  },
  websocket: {
    open(ws) {
      ws.send(JSON.stringify({ type: 'hello', serverTime: new Date().toISOString() }));
    },
    message(ws, raw) {
      let frame: any;
      try {
        frame = JSON.parse(String(raw));
      } catch {
        ws.send('{"type":"error","code":"invalid_frame"}');
        return;
      }
      if (frame.type === 'subscribe') {
        ws.subscribe(frame.sessionId);
        ws.send(JSON.stringify({ type: 'ack', ref: frame.ref, session: { id: frame.sessionId } }));
      } else if (frame.type === 'message.send') {
        const seq = (seqs.get(frame.sessionId) ?? 0) + 1;
        seqs.set(frame.sessionId, seq);
        const message = {
          id: crypto.randomUUID(),
          sessionId: frame.sessionId,
          seq,
          kind: 'text',
          sender: null,
          body: frame.body,
          clientMsgId: frame.clientMsgId,
          createdAt: new Date().toISOString(),
        };
        server.publish(frame.sessionId, JSON.stringify({ type: 'message.created', message }));
        ws.send(JSON.stringify({ type: 'ack', ref: frame.ref, message }));
      }
    },
  },
});

console.log(`ready ${server.port}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => {
    server.stop(true);
    process.exit(0);
  });
