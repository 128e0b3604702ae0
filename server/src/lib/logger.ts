/**
 * A PHI-safe logger: it writes one JSON line per event with the fields it is given. Callers pass ids and
 * codes, never message bodies, names, emails or raw database errors (which carry SQL parameters).
 */
type Fields = Record<string, string | number | boolean | null | undefined>;
type Level = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(event: string, fields?: Fields): void;
  info(event: string, fields?: Fields): void;
  warn(event: string, fields?: Fields): void;
  error(event: string, fields?: Fields): void;
  /** A logger that adds `fields` to every line (the instance id, given in runtime.ts). */
  with(fields: Fields): Logger;
}

export function createLogger(level: Level | 'silent' = 'info', write: (line: string) => void = (l) => console.log(l), base: Fields = {}): Logger {
  const min = level === 'silent' ? Infinity : LEVELS[level];
  const log = (lvl: Level) => (event: string, fields?: Fields) => {
    if (LEVELS[lvl] < min) return;
    write(JSON.stringify({ t: new Date().toISOString(), level: lvl, event, ...base, ...fields }));
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    with: (fields) => createLogger(level, write, { ...base, ...fields }),
  };
}

/**
 * Describes an unexpected error without its message or detail text, which may quote PHI from SQL parameters: its name
 * and the first code along its causes (drizzle wraps the driver's error, whose code is the SQLSTATE, e.g. 23514).
 */
export function errorKind(error: unknown): Fields {
  const e = error as { name?: unknown };
  return { errorName: typeof e?.name === 'string' ? e.name : typeof error, errorCode: firstCode(error) };
}

/** A SQLSTATE or a driver code (ECONNRESET, CONNECTION_CLOSED): short, upper-case, never free text. */
function firstCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z_]{1,40}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
