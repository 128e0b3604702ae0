/**
 * Configuration from the environment, parsed once at start-up against one TypeBox schema: a value that does not fit
 * stops start-up with an error naming the variable and what it expects (never a silent NaN). The variables are
 * listed in README.md; tests: config.test.ts.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { fileURLToPath } from 'node:url';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/**
 * Where the embedded database lives when MEDCHAT_DATA_DIR is unset: `.data/medchat` in the project folder, whatever
 * the working directory, so `server/src/index.ts` and `server/src/cli.ts` open the same one (the demo keeps its own,
 * `.data/demo`).
 */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../.data/medchat', import.meta.url));

/** A whole number in a range, read from `env`; `expects` is the plain-words version for the error message. */
const Whole = (env: string, minimum: number, maximum: number, fallback: number, expects: string) =>
  Type.Integer({ env, minimum, maximum, default: fallback, expects });
/** A rate: a positive number, fractions allowed. */
const Rate = (env: string, fallback: number) => Type.Number({ env, exclusiveMinimum: 0, default: fallback, expects: 'a number greater than 0' });

/** Every setting, the variable it is read from (`env`) and its default. Unset and empty are the same. */
const Settings = Type.Object({
  port: Whole('PORT', 0, 65535, 3000, 'a port number from 0 to 65535 (0 picks a free one)'),
  host: Type.String({ env: 'HOST', minLength: 1, default: '127.0.0.1', expects: 'a host name or address' }),
  /** `postgres://…` to use a real Postgres; unset for the embedded database. */
  databaseUrl: Type.Optional(Type.String({ env: 'DATABASE_URL', pattern: '^postgres(ql)?://', expects: 'a postgres:// URL' })),
  /** `nats://…`: events between instances go over NATS instead of Postgres LISTEN/NOTIFY (with DATABASE_URL only). */
  busUrl: Type.Optional(Type.String({ env: 'BUS_URL', pattern: '^nats://[^\\s]+$', expects: 'a nats:// URL' })),
  /** Folder of the embedded database (used without DATABASE_URL): the server's and the CLI's alike; `memory://` keeps it in memory. */
  dataDir: Type.Optional(Type.String({ env: 'MEDCHAT_DATA_DIR', default: DEFAULT_DATA_DIR, expects: 'a folder, or memory://' })),
  /** Public URL of this server, for links printed by the demo and the socket's same-origin check. */
  publicUrl: Type.Optional(Type.String({ env: 'PUBLIC_URL', pattern: '^https?://[^\\s/]+', expects: 'an http:// or https:// URL' })),
  nodeEnv: Type.Optional(Type.String({ env: 'NODE_ENV' })),
  logLevel: Type.Union(
    LOG_LEVELS.map((level) => Type.Literal(level)),
    { env: 'LOG_LEVEL', default: 'info', expects: LOG_LEVELS.join(', ') },
  ),
  /** How many proxies stand in front of the server: the client's address is that many X-Forwarded-For entries from the right (0: the socket's). */
  trustProxy: Whole('TRUST_PROXY', 0, 10, 0, 'the number of proxies in front of the server, from 0 to 10'),
  /** Token lifetimes, in seconds. */
  staffTokenTtl: Whole('STAFF_TOKEN_TTL', 60, 30 * 24 * 3600, 12 * 3600, 'seconds, from 60 to 2592000'),
  patientTokenTtl: Whole('PATIENT_TOKEN_TTL', 60, 30 * 24 * 3600, 12 * 3600, 'seconds, from 60 to 2592000'),
  /** How often the sweeper runs (presence grace, missed assignments, retention), in ms; at most what a timer can wait. */
  sweepIntervalMs: Whole('SWEEP_INTERVAL_MS', 10, 2 ** 31 - 1, 2000, 'milliseconds, from 10 to 2147483647'),
  /** Frames per second one WebSocket may send (bursts of twice that); faster senders get `rate_limited`. */
  socketFramesPerSecond: Rate('SOCKET_FRAMES_PER_SECOND', 20),
  /** HTTP requests per second one signed-in user may make (bursts of four times that); then 429. */
  httpRequestsPerSecond: Rate('HTTP_REQUESTS_PER_SECOND', 25),
  /** Patient sign-ins (guest, identify) per minute from one client address (bursts of that many); then 429. */
  signInsPerMinute: Rate('SIGN_INS_PER_MINUTE', 60),
  /** Staff login attempts per minute from one client address, a bucket of their own (bursts of that many). */
  staffLoginsPerMinute: Rate('STAFF_LOGINS_PER_MINUTE', 20),
  /** Failed staff logins per hour from one client address, across all accounts (password spraying). */
  failedLoginsPerHour: Rate('FAILED_LOGINS_PER_HOUR', 30),
  /** Public clinic lookups (`GET /api/v1/clinics/:siteKey`) per minute from one client address. */
  clinicLookupsPerMinute: Rate('CLINIC_LOOKUPS_PER_MINUTE', 120),
  /**
   * `/metrics` (Prometheus): a bearer token of at least 16 characters that a scrape must send, and/or a port of its
   * own (on METRICS_HOST) that only the monitoring network reaches. With neither, metrics are not served.
   */
  metricsToken: Type.Optional(Type.String({ env: 'METRICS_TOKEN', minLength: 16, secret: true, expects: 'a secret of at least 16 characters' })),
  metricsPort: Type.Optional(Type.Integer({ env: 'METRICS_PORT', minimum: 0, maximum: 65535, expects: 'a port number from 0 to 65535 (0 picks a free one)' })),
  metricsHost: Type.String({ env: 'METRICS_HOST', minLength: 1, default: '127.0.0.1', expects: 'a host name or address' }),
  /**
   * OpenTelemetry traces, off unless one of these is set: the collector's OTLP/HTTP base URL (`/v1/traces` is
   * added), or the full traces URL, which wins (docs/operations/tracing.md).
   */
  otlpEndpoint: Type.Optional(Type.String({ env: 'OTEL_EXPORTER_OTLP_ENDPOINT', pattern: '^https?://[^\\s]+$', expects: 'an http:// or https:// URL' })),
  otlpTracesEndpoint: Type.Optional(
    Type.String({ env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', pattern: '^https?://[^\\s]+$', expects: 'an http:// or https:// URL' }),
  ),
  /** The `service.name` spans carry. */
  serviceName: Type.String({ env: 'OTEL_SERVICE_NAME', minLength: 1, default: 'medchat', expects: 'a service name' }),
  /** The share of new traces recorded, from 0 to 1 (parent-based: a caller's sampled trace is always continued). */
  tracesSampleRatio: Type.Number({ env: 'OTEL_TRACES_SAMPLER_ARG', minimum: 0, maximum: 1, default: 1, expects: 'a number from 0 to 1' }),
  /**
   * Seconds between SIGTERM and the drain: the instance keeps serving while `/readyz` answers 503 `draining`, so the
   * load balancer stops sending it new connections before its port closes (docs/operations/rolling-restart.md).
   */
  drainDelaySeconds: Whole('DRAIN_DELAY_SECONDS', 0, 300, 0, 'seconds, from 0 to 300'),
  /**
   * Where attachments are kept: `database` (the default) or `s3`, an S3-compatible bucket named by the S3_* settings
   * (docs/attachments.md).
   */
  attachmentsStorage: Type.Union([Type.Literal('database'), Type.Literal('s3')], {
    env: 'ATTACHMENTS_STORAGE',
    default: 'database',
    expects: 'database or s3',
  }),
  s3Endpoint: Type.Optional(Type.String({ env: 'S3_ENDPOINT', pattern: '^https?://[^\\s]+$', expects: 'an http:// or https:// URL' })),
  s3Bucket: Type.Optional(Type.String({ env: 'S3_BUCKET', minLength: 3, maxLength: 63, expects: 'a bucket name' })),
  s3Region: Type.String({ env: 'S3_REGION', minLength: 1, default: 'us-east-1', expects: 'a region name' }),
  s3AccessKeyId: Type.Optional(Type.String({ env: 'S3_ACCESS_KEY_ID', minLength: 1, expects: 'an access key id' })),
  s3SecretAccessKey: Type.Optional(Type.String({ env: 'S3_SECRET_ACCESS_KEY', minLength: 1, secret: true, expects: 'a secret access key' })),
  /** 1 lets webhooks go to private, loopback and link-local addresses (and plain http): tests and closed networks only. */
  webhooksAllowPrivate: Whole('WEBHOOKS_ALLOW_PRIVATE', 0, 1, 0, '0 or 1'),
  /**
   * Where patients' "you have a new message" emails are sent through (modules/emails/): `smtp://user:pass@host:587`
   * (STARTTLS when offered) or `smtps://…:465`. Unset: no email leaves this deployment (due ones wait in the outbox).
   */
  smtpUrl: Type.Optional(Type.String({ env: 'SMTP_URL', pattern: '^smtps?://[^\\s]+$', secret: true, expects: 'an smtp:// or smtps:// URL' })),
  /** The address emails come from; the display name is the clinic's sender name. */
  smtpFrom: Type.String({ env: 'SMTP_FROM', pattern: '^[^\\s@<>]+@[^\\s@<>]+$', default: 'no-reply@medchat.invalid', expects: 'an email address' }),
  /** Optional DKIM signing: the domain, the selector and the private key (PEM, `\\n` for line breaks allowed). */
  dkimDomain: Type.Optional(Type.String({ env: 'DKIM_DOMAIN', minLength: 1, expects: 'a domain name' })),
  dkimSelector: Type.Optional(Type.String({ env: 'DKIM_SELECTOR', minLength: 1, expects: 'a DKIM selector' })),
  dkimPrivateKey: Type.Optional(Type.String({ env: 'DKIM_PRIVATE_KEY', minLength: 1, secret: true, expects: 'a PEM private key' })),
});
type Settings = Static<typeof Settings>;

/** What every module reads (`ctx.config`): the settings, the public URL defaulted from the port, NODE_ENV as a flag. */
export type Config = Omit<Settings, 'publicUrl' | 'nodeEnv'> & { publicUrl: string; production: boolean };

/** A variable with a value the schema refuses; the message names it and what it expects. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Numbers as written (`25`, `0.5`): `Number()` would take `0x10`, `1e3` and blanks, and `parseInt` `12abc`. */
const NUMERIC = /^-?\d+(\.\d+)?$/;

function parseSettings(env: Record<string, string | undefined>): Settings {
  const properties = Settings.properties as Record<string, TSchema>;
  const raw: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) {
    const value = env[schema.env]?.trim();
    if (!value) continue;
    raw[key] = (schema.type === 'integer' || schema.type === 'number') && NUMERIC.test(value) ? Number(value) : value;
  }
  const values = Value.Default(Settings, raw);
  const problems = [...Value.Errors(Settings, values)].map((error) => {
    const schema = properties[error.path.slice(1)];
    const name = schema?.env ?? error.path.slice(1);
    // A secret is never repeated, even a bad one: the message goes to logs.
    const given = schema?.secret ? `(${(env[name] ?? '').trim().length} characters, not shown)` : JSON.stringify(env[name] ?? '');
    return `${name}=${given}: expected ${schema?.expects ?? error.message}`;
  });
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return values as Settings;
}

/** Reads and checks the environment; throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const { nodeEnv, publicUrl, ...settings } = parseSettings(env);
  if (settings.attachmentsStorage === 's3') {
    const missing = (['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const).filter((name) => !env[name]?.trim());
    if (missing.length > 0) throw new ConfigError(missing.map((name) => `${name}: expected a value (ATTACHMENTS_STORAGE=s3)`));
  }
  return { ...settings, publicUrl: publicUrl ?? `http://localhost:${settings.port}`, production: nodeEnv === 'production' };
}

/** For entry points: the configuration, or the problems on stderr and exit code 1 (no stack trace to read through). */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
