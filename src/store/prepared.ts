import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

// Statements with parameters run as named prepared statements, on PGlite and on PostgreSQL alike:
// the server parses a text once per connection instead of at every execution.

/** Distinct texts prepared per store; past it a new text runs unnamed, so server memory stays bounded. */
const MAX_PREPARED = 1000;

/** Gives each SQL text its statement name: the same text keeps its name until it is forgotten. */
export class StatementNames {
  readonly #names = new Map<string, string>();
  #issued = 0;

  /** The name to prepare text under, or '' (the unnamed statement, parsed anew each time) once full. */
  nameFor(text: string): string {
    let name = this.#names.get(text);
    if (name === undefined) {
      if (this.#names.size >= MAX_PREPARED) return '';
      name = `tj_${++this.#issued}`;
      this.#names.set(text, name);
    }
    return name;
  }

  /** Drops text's name, and returns it: the next use of text prepares it afresh under a new name. */
  forget(text: string): string | undefined {
    const name = this.#names.get(text);
    this.#names.delete(text);
    return name;
  }
}

/**
 * 0A000: "cached plan must not change result type" (a migration altered a table a statement reads);
 * 26000: the server no longer knows the statement. Either way only a fresh Parse helps.
 */
const STALE_STATEMENT_SQLSTATES = new Set(['0A000', '26000']);

function isStaleStatement(error: unknown): boolean {
  return STALE_STATEMENT_SQLSTATES.has((error as { code?: string } | null)?.code ?? '');
}

export interface StaleStatementHandling {
  /** Forgets the statement, so that the next run prepares it afresh. */
  forget(): void | Promise<void>;
  /** Inside a transaction block the failed statement aborted the transaction: running it again cannot help. */
  inTransaction(): boolean;
}

/** Runs a prepared statement; when the server calls it stale, forgets it and, outside a transaction, runs it once more. */
export async function retryIfStale<T>(run: () => Promise<T>, stale: StaleStatementHandling): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isStaleStatement(error)) throw error;
    await stale.forget();
    if (stale.inTransaction()) throw error;
    return run();
  }
}

/** A pg pool for Kysely whose clients run every statement with parameters as a named prepared statement. */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new StatementNames();
  const clients = new WeakMap<pg.PoolClient, PreparingClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let preparing = clients.get(client);
      if (!preparing) {
        // One wrapper per pg client, so Kysely keeps recognising the connection it already knows.
        preparing = new PreparingClient(client, names);
        clients.set(client, preparing);
      }
      return preparing;
    },
    end: () => pool.end(),
  };
}

class PreparingClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly names: StatementNames,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters: ReadonlyArray<unknown> = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely hands over a cursor only when the dialect is configured with one: pass it through.
    if (typeof sqlOrCursor !== 'string') {
      return this.client.query(sqlOrCursor as unknown as pg.Submittable) as unknown as PostgresCursor<R>;
    }
    const text = sqlOrCursor;
    const values = [...parameters];
    // Without values it may be a multi-statement script (a migration): that runs unnamed, as always.
    const result =
      values.length === 0
        ? this.client.query(text, values)
        : retryIfStale(() => this.#runNamed(text, values), {
            forget: () => void this.names.forget(text),
            // The status of the last ReadyForQuery: 'I' is idle, outside any transaction block.
            inTransaction: () => this.client.getTransactionStatus() !== 'I',
          });
    return result as Promise<PostgresQueryResult<R>>;
  }

  release(destroy?: boolean): void {
    this.client.release(destroy);
  }

  #runNamed(text: string, values: unknown[]): Promise<pg.QueryResult> {
    // pg parses a named statement once per connection, and afterwards only binds and executes it.
    const name = this.names.nameFor(text);
    return this.client.query(name ? { name, text, values } : { text, values });
  }
}
