import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';
import type pg from 'pg';
import { parameterValue } from './array-literal.js';
import {
  type PipelinedResult,
  type PipeliningConnection,
  type PipeliningDialect,
  PipeliningDriver,
  postgresSqlDialect,
} from './pipeline.js';
import { isStaleStatement, retryIfStale, StatementNames } from './prepared.js';
import { type ColumnDescription, changesRows, RowShape, RowShapes, readCommandTag } from './row-shape.js';

/**
 * Kysely's dialect for PostgreSQL through a pg pool. Every statement with parameters runs as a named
 * prepared statement (parsed once per connection), and a connection can send several statements in
 * one round trip (executePipeline), which pg's own queries cannot: each of them waits for its answer
 * before the next is written.
 */
export function postgresDialect(pool: pg.Pool, types: pg.CustomTypesConfig): PipeliningDialect {
  return postgresSqlDialect(() => new PostgresDriver(pool, types));
}

class PostgresDriver extends PipeliningDriver {
  readonly #names = new StatementNames();
  // One connection object per pg client: it remembers which statements its server session holds.
  readonly #connections = new WeakMap<pg.PoolClient, PostgresConnection>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly types: pg.CustomTypesConfig,
  ) {
    super();
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<PostgresConnection> {
    const client = await this.pool.connect();
    let connection = this.#connections.get(client);
    if (!connection) {
      connection = new PostgresConnection(client, this.#names, this.types);
      this.#connections.set(client, connection);
    }
    return connection;
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } catch (error) {
      // A connection that cannot even roll back is in no state to be handed out again.
      (connection as PostgresConnection).discarded = true;
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const postgres = connection as PostgresConnection;
    postgres.client.release(postgres.discarded);
    if (postgres.discarded) this.#connections.delete(postgres.client);
  }

  async destroy(): Promise<void> {
    await this.pool.end();
  }
}

interface Step {
  name: string;
  text: string;
  values: (string | Buffer | null)[];
  /** Whether this connection must parse the text first (the first time, or always when unnamed). */
  parse: boolean;
  /** Its result's columns when known from an earlier run; undefined: the server describes them. */
  shape: RowShape | null | undefined;
}

class PostgresConnection implements PipeliningConnection {
  /** Names of the statements this connection's server session holds prepared. */
  readonly #prepared = new Set<string>();
  readonly #shapes = new RowShapes();
  discarded = false;

  constructor(
    readonly client: pg.PoolClient,
    private readonly names: StatementNames,
    private readonly types: pg.CustomTypesConfig,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // Without values it may be a multi-statement script (a migration): the simple protocol runs those.
    if (query.parameters.length === 0) {
      const answer: pg.QueryResult | pg.QueryResult[] = await this.client.query(query.sql);
      const last = Array.isArray(answer) ? answer.at(-1) : answer;
      return toQueryResult(last ?? { command: '', rowCount: 0, rows: [] }) as QueryResult<R>;
    }
    const [result] = await retryIfStale(() => this.executePipeline([query]), {
      // The status of the last ReadyForQuery: 'I' is idle, outside any transaction block.
      inTransaction: () => this.client.getTransactionStatus() !== 'I',
    });
    return result as QueryResult<R>;
  }

  executePipeline(queries: readonly CompiledQuery[]): Promise<PipelinedResult[]> {
    // parameterValue throws here, before anything is written, for a value it cannot send.
    const parsing = new Set<string>();
    const steps: Step[] = queries.map(({ sql, parameters }) => {
      const name = this.names.nameFor(sql);
      // Parsed once, even when the pipeline runs the same text twice (the unnamed one is parsed each time).
      const parse = name === '' || !(this.#prepared.has(name) || parsing.has(name));
      parsing.add(name);
      const shape = parse ? undefined : this.#shapes.get(name);
      return { name, text: sql, values: parameters.map(parameterValue), parse, shape };
    });
    return new Promise((resolve, reject) => {
      this.client.query(
        new Pipeline(steps, this.types, (outcome) => {
          // Even when a later step failed: the server holds these now, and would refuse them parsed again.
          for (const name of outcome.parsed) if (name) this.#prepared.add(name);
          if (!('error' in outcome)) {
            for (const [i, step] of steps.entries()) {
              if (step.shape === undefined) this.#shapes.learn(step.name, outcome.results[i]?.shape ?? null);
            }
            return resolve(outcome.results.map(toQueryResult));
          }
          const failing = steps[outcome.failedStep];
          if (failing && isStaleStatement(outcome.error)) this.#forget(failing.text);
          reject(outcome.error);
        }),
      );
    });
  }

  #forget(text: string): void {
    const name = this.names.forget(text);
    if (!name) return;
    this.#prepared.delete(name);
    this.#shapes.forget(name);
  }

  // biome-ignore lint/correctness/useYield: nothing here streams; Kysely's own driver refuses too without a cursor.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported');
  }
}

/** What one step gave back: its rows, by the shape it ran with or was described with (none: no rows). */
class StepResult {
  readonly rows: Record<string, unknown>[] = [];
  command: string | undefined;
  rowCount: number | null = null;

  constructor(public shape: RowShape | undefined) {}

  complete(tag: string): void {
    const { command, rowCount } = readCommandTag(tag);
    this.command = command;
    this.rowCount = rowCount;
  }
}

/** How a pipeline ended, and the names of the statements it parsed. */
type Outcome = { parsed: string[] } & ({ results: StepResult[] } | { error: Error; failedStep: number });

interface ProtocolConnection {
  stream: { cork(): void; uncork(): void };
  parse(message: { name: string; text: string }): void;
  bind(message: { statement: string; values: (string | Buffer | null)[] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(message: { portal: string }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

/**
 * Steps written in one go, each Parse (when needed), Bind, Describe (when its columns are not known
 * yet) and Execute, then one Sync: the server runs them in order and answers them all together. pg
 * calls the handle* methods with each message of the answer, as it does for its own queries and for
 * pg-cursor.
 */
class Pipeline implements pg.Submittable {
  readonly #results: StepResult[];
  #current = 0;
  #rowError: Error | undefined;
  #settled = false;
  readonly #parsed: string[] = [];
  #stopListening = () => {};

  constructor(
    private readonly steps: Step[],
    private readonly types: pg.CustomTypesConfig,
    private readonly settle: (outcome: Outcome) => void,
  ) {
    this.#results = steps.map((step) => new StepResult(step.shape ?? undefined));
  }

  submit(connection: pg.Connection): void {
    const protocol = connection as unknown as ProtocolConnection;
    // ParseComplete answers each Parse in order; pg reports it to a query only by the query's name.
    // Most pipelines parse nothing (their statements are prepared): they need no listener.
    const parsing = this.steps.filter((step) => step.parse).map((step) => step.name);
    if (parsing.length > 0) {
      const onParsed = () => this.#parsed.push(parsing[this.#parsed.length] ?? '');
      connection.on('parseComplete', onParsed);
      this.#stopListening = () => connection.off('parseComplete', onParsed);
    }
    // Corked, the messages leave in one write.
    protocol.stream.cork();
    try {
      for (const step of this.steps) {
        if (step.parse) protocol.parse({ name: step.name, text: step.text });
        protocol.bind({ statement: step.name, values: step.values });
        if (step.shape === undefined) protocol.describe({ type: 'P', name: '' });
        protocol.execute({ portal: '' });
      }
      protocol.sync();
    } finally {
      protocol.stream.uncork();
    }
  }

  handleRowDescription(message: { fields: ColumnDescription[] }): void {
    const result = this.#results[this.#current];
    if (result) result.shape = RowShape.of(message.fields, (type) => this.types.getTypeParser(type, 'text'));
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    const result = this.#results[this.#current];
    if (!result || this.#rowError) return;
    if (!result.shape) {
      this.#rowError = new Error(
        `statement ${this.steps[this.#current]?.name} returned rows it was known not to`,
      );
      return;
    }
    try {
      result.rows.push(result.shape.row(message.fields));
    } catch (error) {
      // A type parser refused a value: answered once the server is done, as pg's own queries do.
      this.#rowError = error as Error;
    }
  }

  handleCommandComplete(message: { text: string }): void {
    this.#results[this.#current++]?.complete(message.text);
  }

  handleEmptyQuery(): void {
    this.#current++;
  }

  handleError(error: Error): void {
    this.#finish({ parsed: this.#parsed, error, failedStep: this.#current });
  }

  handleReadyForQuery(): void {
    const parsed = this.#parsed;
    this.#finish(
      this.#rowError
        ? { parsed, error: this.#rowError, failedStep: this.steps.length }
        : { parsed, results: this.#results },
    );
  }

  handleCopyInResponse(connection: pg.Connection): void {
    (connection as unknown as ProtocolConnection).sendCopyFail('COPY is not supported in a pipeline');
  }

  handleCopyData(): void {}

  handlePortalSuspended(): void {}

  #finish(outcome: Outcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#stopListening();
    this.settle(outcome);
  }
}

function toQueryResult(result: {
  command?: string;
  rowCount: number | null;
  rows: unknown[];
}): PipelinedResult {
  const { command, rowCount, rows } = result;
  return {
    rows,
    numAffectedRows: changesRows(command) ? BigInt(rowCount ?? 0) : undefined,
    command: command ?? undefined,
  };
}
