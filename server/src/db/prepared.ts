import type { SQL } from 'drizzle-orm';
import type { Database, Queryable } from './client';

interface PreparedLike<R> {
  execute(values?: Record<string, unknown>): Promise<R>;
}

/**
 * A query of the hot path, built once. drizzle turns a query builder into SQL text on every call, which costs
 * 0.2–0.3 ms of CPU for a join (measured against the same query prepared: ~0.05 ms), and a query prepared with
 * `.prepare()` runs only on the database it was prepared on, never inside a transaction. Here the query is
 * prepared once per driver, with `sql.placeholder()` for its values, and each call runs that prepared query on the
 * database or transaction it is given: the same object with that connection's driver client in place of the one it
 * was built with. Results are mapped by drizzle exactly as the builder's would be.
 *
 * A column's `$defaultFn` is not applied by a prepared insert: such values are passed as placeholders.
 *
 * This leans on two drizzle internals, `db._.session.client` and the prepared query's `client` (both drivers, see
 * prepared.test.ts, which fails if an upgrade moves them).
 */
export function prepared<R, V extends Record<string, unknown> = Record<string, unknown>>(build: (db: Database) => PreparedLike<R>) {
  const byDriver = new Map<unknown, PreparedLike<R>>();
  return (q: Queryable, values: V): Promise<R> => {
    const session = (q as unknown as { _: { session: { client: unknown; constructor: unknown } } })._.session;
    let query = byDriver.get(session.constructor);
    if (!query) byDriver.set(session.constructor, (query = build(q as Database)));
    return (Object.create(query, { client: { value: session.client } }) as PreparedLike<R>).execute(values);
  };
}

/**
 * A statement written in SQL (`sql` with `sql.placeholder()`), prepared once like the builders above. `db.execute()`
 * cannot do this: on postgres.js it sends an unnamed statement, which Postgres parses and plans on every call, and
 * which the driver describes first to learn its parameter types, a second round trip. Rows come back as the driver
 * gives them (read them with `rowsOf`).
 *
 * After a few runs Postgres keeps one generic plan per connection, made with the table statistics of that moment,
 * until (auto)analyze updates them: write joins that stay on indexes however far the tables grow meanwhile (see
 * messages/batch-insert.sql.ts).
 */
export function preparedSql(name: string, query: SQL) {
  return prepared<unknown>((db) => {
    const internals = db as unknown as {
      dialect: { sqlToQuery(q: SQL): unknown };
      _: { session: { prepareQuery(q: unknown, fields: undefined, name: string, arrayMode: boolean): PreparedLike<unknown> } };
    };
    return internals._.session.prepareQuery(internals.dialect.sqlToQuery(query), undefined, name, false);
  });
}
