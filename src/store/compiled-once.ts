import { type Compilable, CompiledQuery, type Kysely, type RawBuilder } from 'kysely';

/** What a query is built with the first time, in place of each of its values. */
class StandIn {
  constructor(readonly key: string) {}
}

/**
 * A query whose text never changes, only its values: Kysely builds and compiles it once, with a
 * stand-in for each value, and every run after that only puts the values in their places. Building
 * and compiling cost 5–30 µs a query on these machines, and the hot path runs a few a payment.
 *
 * Only for a query whose shape does not depend on its values: `build` must pass each value to Kysely
 * as a value (one parameter, which may appear more than once), never branch on it or spread it
 * (an array for `in (…)`; `sql.val(array)` is one parameter and is fine). Values Kysely adds itself
 * (a constant in the builder) are kept as they were.
 */
export function compiledOnce<V extends object, R>(
  // biome-ignore lint/suspicious/noExplicitAny: any module's Kysely view of the shared store.
  build: (db: Kysely<any>, values: V) => Compilable<R> | RawBuilder<R>,
  // biome-ignore lint/suspicious/noExplicitAny: any module's Kysely view of the shared store.
): (db: Kysely<any>, values: V) => CompiledQuery<R> {
  let compiled: { sql: string; slots: (StandIn | { constant: unknown })[] } | undefined;
  return (db, values) => {
    if (!compiled) {
      const standIns = Object.fromEntries(Object.keys(values).map((key) => [key, new StandIn(key)]));
      // A query builder compiles itself; a raw one (sql``) is compiled with the db given.
      const query = (build(db, standIns as V) as RawBuilder<R>).compile(db);
      compiled = {
        sql: query.sql,
        slots: query.parameters.map((parameter) =>
          parameter instanceof StandIn ? parameter : { constant: parameter },
        ),
      };
      // Every value must have reached the text: one the builder branched on or dropped would not.
      const placed = new Set(
        compiled.slots.filter((slot) => slot instanceof StandIn).map((slot) => slot.key),
      );
      const missing = Object.keys(values).filter((key) => !placed.has(key));
      if (missing.length > 0)
        throw new Error(`compiledOnce: values not passed as parameters: ${missing.join()}`);
    }
    const parameters = compiled.slots.map((slot) =>
      slot instanceof StandIn ? values[slot.key as keyof V] : slot.constant,
    );
    return CompiledQuery.raw(compiled.sql, parameters) as CompiledQuery<R>;
  };
}
