/**
 * A real S3-compatible server on loopback for the tests (s3rver, run by Node in a process of its own), with one
 * bucket, in a temporary folder removed when it stops.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** The settings a MedChat server needs to keep its attachments there. */
  env: Record<string, string>;
  /** How many objects the bucket holds under `prefix`. */
  count(prefix?: string): Promise<number>;
  stop(): Promise<void>;
}

const ROOT = new URL('../../', import.meta.url).pathname;

export async function startS3Server(bucket = 'medchat'): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'medchat-s3-'));
  const child = Bun.spawn(
    ['node', join(ROOT, 'node_modules/s3rver/bin/s3rver.js'), '--address', '127.0.0.1', '--port', '0', '--directory', directory, '--configure-bucket', bucket],
    { stdout: 'pipe', stderr: 'pipe' },
  );
  const reader = child.stdout.getReader();
  let seen = '';
  const deadline = Date.now() + 20_000;
  let port: number | undefined;
  while (port === undefined) {
    if (Date.now() > deadline) throw new Error(`s3rver did not start: ${seen}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`s3rver exited: ${seen}${await new Response(child.stderr).text()}`);
    seen += new TextDecoder().decode(value);
    const match = /listening on [^:]+:(\d+)/.exec(seen);
    if (match) port = Number(match[1]);
  }
  // Keep draining its log, or the pipe fills and the server stalls.
  void (async () => {
    while (!(await reader.read()).done) {}
  })().catch(() => {});
  const endpoint = `http://127.0.0.1:${port}`;
  const env = { ATTACHMENTS_STORAGE: 's3', S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' };
  const client = new Bun.S3Client({ endpoint, bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1' });
  // Listening comes before the bucket is ready: a write and a delete must go through before the tests use it.
  for (let ready = false; !ready; ) {
    if (Date.now() > deadline) throw new Error(`s3rver's bucket did not come up: ${seen}`);
    ready = await client
      .write('probe', 'ok')
      .then(() => client.delete('probe'))
      .then(
        () => true,
        () => Bun.sleep(100).then(() => false),
      );
  }
  return {
    endpoint,
    bucket,
    env,
    async count(prefix = '') {
      return (await client.list({ prefix })).contents?.length ?? 0;
    },
    async stop() {
      child.kill();
      await child.exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
