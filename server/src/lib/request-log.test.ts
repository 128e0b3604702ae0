import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Elysia } from 'elysia';
import { until } from '../../../tests/helpers/until';
import { errorPlugin } from './error-plugin';
import { AppError } from './errors';
import { createLogger } from './logger';
import { Metrics } from './metrics';
import { requestLog } from './request-log';

// Generous: a loaded 2-core machine is slow, and nothing here asserts on time.
setDefaultTimeout(60_000);

/** An app with the request log, a logger that keeps its lines, and routes that answer, refuse and fail. */
function logged() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', (line) => lines.push(JSON.parse(line))).with({ instanceId: 'instance-1' });
  const metrics = new Metrics();
  const app = new Elysia()
    .use(requestLog(logger, metrics))
    .use(errorPlugin(logger))
    .get('/things/:id', () => ({ ok: true }))
    .get('/busy', () => {
      throw new AppError('database_unavailable');
    });
  const completed = () => lines.filter((l) => l.event === 'request.completed');
  return { app, lines, completed, metrics };
}

const handle = (app: { handle(request: Request): Promise<Response> }, path: string) => app.handle(new Request(`http://localhost${path}`));

describe('requestLog', () => {
  test('one request.completed line per request: route pattern, status, ms, request id and instance, never the path', async () => {
    const { app, completed } = logged();
    const res = await handle(app, '/things/canary-id-4711?q=canary-text');
    expect(res.status).toBe(200);
    await until(() => completed().length === 1, 'the completion line');
    const [line] = completed();
    expect(line).toEqual({
      t: expect.any(String),
      level: 'info',
      event: 'request.completed',
      instanceId: 'instance-1',
      method: 'GET',
      route: '/things/:id',
      status: 200,
      ms: expect.any(Number),
      requestId: res.headers.get('x-request-id')!,
    });
    expect(JSON.stringify(completed())).not.toContain('canary');
  });

  test('refusals carry their code; a 503 is counted by cause; a path no route takes is "unmatched"', async () => {
    const { app, completed, metrics } = logged();
    expect((await handle(app, '/busy')).status).toBe(503);
    expect((await handle(app, '/no/such/canary-path')).status).toBe(404);
    await until(() => completed().length === 2, 'two completion lines');
    expect(completed().map(({ route, status, code }) => ({ route, status, code }))).toEqual([
      { route: '/busy', status: 503, code: 'database_unavailable' },
      { route: 'unmatched', status: 404, code: 'not_found' },
    ]);
    const text = await metrics.render(null);
    expect(text).toContain('medchat_http_unavailable_total{cause="database_unavailable"} 1');
    expect(text).toContain('medchat_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
    expect(text).not.toContain('canary');
  });
});
