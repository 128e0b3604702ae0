/** Configuration from the environment, read once at start-up. */
export interface Config {
  port: number;
  host: string;
  /** `postgres://…` to use a real Postgres; empty for the embedded database. */
  databaseUrl: string | undefined;
  /** Folder for the embedded database; empty keeps it in memory. */
  dataDir: string | undefined;
  /** Public URL of this server, for links printed by the demo. */
  publicUrl: string;
  production: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Token lifetimes, in seconds. */
  staffTokenTtl: number;
  patientTokenTtl: number;
  /** How often the sweeper runs (presence grace, missed assignments, retention), in ms. */
  sweepIntervalMs: number;
  /** Frames per second one WebSocket may send (bursts of twice that); faster senders get `rate_limited`. */
  socketFramesPerSecond: number;
  /** HTTP requests per second one signed-in user may make (bursts of four times that); then 429. */
  httpRequestsPerSecond: number;
  /** Sign-ins (guest, identify, staff login) per minute from one client address (bursts of that many); then 429. */
  signInsPerMinute: number;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  const host = env.HOST ?? '127.0.0.1';
  return {
    port,
    host,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.MEDCHAT_DATA_DIR || undefined,
    publicUrl: env.PUBLIC_URL ?? `http://localhost:${port}`,
    production: env.NODE_ENV === 'production',
    logLevel: (env.LOG_LEVEL as Config['logLevel']) ?? 'info',
    staffTokenTtl: Number(env.STAFF_TOKEN_TTL ?? 12 * 3600),
    patientTokenTtl: Number(env.PATIENT_TOKEN_TTL ?? 12 * 3600),
    sweepIntervalMs: Number(env.SWEEP_INTERVAL_MS ?? 2000),
    socketFramesPerSecond: Number(env.SOCKET_FRAMES_PER_SECOND ?? 20),
    httpRequestsPerSecond: Number(env.HTTP_REQUESTS_PER_SECOND ?? 25),
    signInsPerMinute: Number(env.SIGN_INS_PER_MINUTE ?? 60),
  };
}
