/** The rows of `db.execute(sql…)`: postgres.js gives an array, PGlite gives `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}
