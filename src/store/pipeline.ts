import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/** One statement's answer in a pipeline, with its command tag ('INSERT', 'COMMIT', …). */
export interface PipelinedResult extends QueryResult<unknown> {
  command: string | undefined;
}

/**
 * A connection that sends several statements in one round trip: written at once, run in order, and
 * answered together after one Sync. When one fails, the server skips the rest and the call rejects
 * with that statement's error. Both stores' connections are these (see write-at-commit.ts for why).
 */
export interface PipeliningConnection extends DatabaseConnection {
  executePipeline(queries: readonly CompiledQuery[]): Promise<PipelinedResult[]>;
}

export const COMMIT = CompiledQuery.raw('commit');
export const ROLLBACK = CompiledQuery.raw('rollback');

/** BEGIN, as Kysely's own PostgreSQL driver writes it for these settings. */
export function beginStatement(settings: TransactionSettings): CompiledQuery {
  const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
  const access = settings.accessMode ? ` ${settings.accessMode}` : '';
  return CompiledQuery.raw(isolation || access ? `start transaction${isolation}${access}` : 'begin');
}

/**
 * PostgreSQL answers COMMIT with a ROLLBACK tag, not an error, when an earlier statement's error
 * (one the caller caught and went on from) had already aborted the transaction.
 */
export class AbortedTransactionError extends Error {
  constructor() {
    super('the transaction was rolled back: one of its statements had failed');
  }
}

export function assertCommitted(result: PipelinedResult | undefined): void {
  if (result?.command === 'ROLLBACK') throw new AbortedTransactionError();
}

/** What both stores' drivers share: transactions controlled through their pipelining connections. */
export abstract class PipeliningDriver implements Driver {
  abstract init(): Promise<void>;
  abstract acquireConnection(): Promise<PipeliningConnection>;
  abstract releaseConnection(connection: DatabaseConnection): Promise<void>;
  abstract destroy(): Promise<void>;

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(beginStatement(settings));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const [result] = await (connection as PipeliningConnection).executePipeline([COMMIT]);
    assertCommitted(result);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(ROLLBACK);
  }
}

export interface PipeliningDialect extends Dialect {
  createDriver(): PipeliningDriver;
}

/** Kysely's dialect for PostgreSQL's SQL, which PGlite speaks too, around one of these drivers. */
export function postgresSqlDialect(createDriver: () => PipeliningDriver): PipeliningDialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver,
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createIntrospector: (db) => new PostgresIntrospector(db),
  };
}
