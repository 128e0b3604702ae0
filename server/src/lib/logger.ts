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
}

export function createLogger(level: Level | 'silent' = 'info', write: (line: string) => void = (l) => console.log(l)): Logger {
  const min = level === 'silent' ? Infinity : LEVELS[level];
  const log = (lvl: Level) => (event: string, fields?: Fields) => {
    if (LEVELS[lvl] < min) return;
    write(JSON.stringify({ t: new Date().toISOString(), level: lvl, event, ...fields }));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** Describes an unexpected error without its message text, which may quote PHI from SQL parameters. */
export function errorKind(error: unknown): Fields {
  const e = error as { name?: unknown; code?: unknown };
  return { errorName: typeof e?.name === 'string' ? e.name : typeof error, errorCode: typeof e?.code === 'string' ? e.code : undefined };
}
