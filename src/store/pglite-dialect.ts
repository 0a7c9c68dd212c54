import type { PGlite } from '@electric-sql/pglite';
import type { CompiledQuery, QueryResult } from 'kysely';
import { DatabaseError, serialize } from 'pg-protocol';
import type {
  BackendMessage,
  CommandCompleteMessage,
  DataRowMessage,
  ParameterDescriptionMessage,
  RowDescriptionMessage,
} from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';
import { TypedArray } from './binary-arrays.js';
import { FifoLock } from './fifo-lock.js';
import {
  type PipelinedResult,
  type PipeliningConnection,
  type PipeliningDialect,
  PipeliningDriver,
  postgresSqlDialect,
} from './pipeline.js';
import { isStaleStatement, retryIfStale, StatementNames } from './prepared.js';
import { changesRows, RowShape, RowShapes, readCommandTag, type TextParser } from './row-shape.js';

/** What one statement of a pipeline gave back, and the shape its rows had (none: it returns no rows). */
interface StatementResult {
  rows: Record<string, unknown>[];
  affectedRows: number;
  command?: string;
  shape?: RowShape;
}

class PGliteConnection implements PipeliningConnection {
  readonly #names = new StatementNames();
  /** Parameter type OIDs of each statement PGlite holds prepared, by statement name. */
  readonly #paramTypes = new Map<string, number[]>();
  readonly #shapes = new RowShapes();

  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // A statement without parameters may be a multi-statement script (a migration): the simple protocol runs those.
    if (compiled.parameters.length === 0) {
      const results = await this.pglite.exec(compiled.sql, { rowMode: 'object' });
      return toQueryResult(results.at(-1));
    }
    const { sql: text, parameters } = compiled;
    const result = await retryIfStale(() => this.#runPrepared(text, parameters), {
      forget: () => this.#forget(text),
      inTransaction: () => this.pglite.isInTransaction(),
    }).catch((error: unknown) => {
      throw withStatement(error, text, parameters);
    });
    return toQueryResult(result);
  }

  async #runPrepared(text: string, params: readonly unknown[]): Promise<StatementResult | undefined> {
    return (await this.#runAll([{ sql: text, parameters: params }]))[0];
  }

  /** Statements prepared under their names; with one Sync, so that PGlite runs them all in one call. */
  async executePipeline(queries: readonly CompiledQuery[]): Promise<PipelinedResult[]> {
    const results = await this.#runAll(queries).catch(async (error: unknown) => {
      // Which one the server called stale PGlite does not say: all are prepared afresh next time.
      if (isStaleStatement(error)) for (const query of queries) await this.#forget(query.sql);
      throw withStatement(error, queries.map((q) => q.sql).join(';\n'), queries.at(-1)?.parameters ?? []);
    });
    return queries.map((_, i) => ({ ...toQueryResult(results[i]), command: results[i]?.command }));
  }

  async #runAll(queries: readonly Pick<CompiledQuery, 'sql' | 'parameters'>[]): Promise<StatementResult[]> {
    const messages: Uint8Array[] = [];
    const steps: { name: string; shape: RowShape | null | undefined }[] = [];
    for (const { sql, parameters } of queries) {
      const name = this.#names.nameFor(sql);
      // An unnamed statement lasts only until the next Parse: it cannot wait in a batch behind another.
      if (!name && queries.length > 1) return this.#oneByOne(queries);
      const paramTypes = this.#paramTypes.get(name) ?? (await this.#prepare(name, sql));
      const shape = this.#shapes.get(name);
      steps.push({ name, shape });
      messages.push(serialize.bind({ statement: name, values: this.#serializeAll(parameters, paramTypes) }));
      if (shape === undefined) messages.push(serialize.describe({ type: 'P' }));
      messages.push(serialize.execute());
    }
    // Bind, Describe (until its columns are known) and Execute of each, and one Sync, in one call into
    // PGlite (its query() makes six a statement, and parses every time). syncToFs as query() does after
    // each statement (a no-op for a Node data folder: writes go straight to disk).
    const replies = await this.#exchange(Buffer.concat([...messages, serialize.sync()]), { syncToFs: true });
    const results = resultsOf(
      replies,
      steps.map((step) => step.shape),
      (type) => this.#parserFor(type),
    );
    for (const [i, { name, shape }] of steps.entries()) {
      if (shape === undefined) this.#shapes.learn(name, results[i]?.shape ?? null);
    }
    return results;
  }

  #parserFor(type: number): TextParser {
    const parse = (this.pglite.parsers as TypeParsers)[type];
    return parse ? (text) => parse(text, type) : (text) => text;
  }

  async #oneByOne(queries: readonly Pick<CompiledQuery, 'sql' | 'parameters'>[]): Promise<StatementResult[]> {
    const results: StatementResult[] = [];
    for (const query of queries) results.push(...(await this.#runAll([query])));
    return results;
  }

  /** Parses text as statement `name` and learns its parameter types, as PGlite's query() does. */
  async #prepare(name: string, text: string): Promise<number[]> {
    const replies = await this.#exchange(
      Buffer.concat([
        serialize.parse({ name, text }),
        serialize.describe({ type: 'S', name }),
        serialize.sync(),
      ]),
      { syncToFs: false },
    );
    const described = replies.find((reply) => reply.name === 'parameterDescription');
    const paramTypes = (described as ParameterDescriptionMessage | undefined)?.dataTypeIDs ?? [];
    if (name) this.#paramTypes.set(name, paramTypes);
    return paramTypes;
  }

  /**
   * Each value as PGlite's query() sends it: by its parameter's type, null staying null. An array
   * whose element type is known goes in binary when its values allow (binary-arrays.ts).
   */
  #serializeAll(params: readonly unknown[], paramTypes: number[]): (string | Buffer | null)[] {
    return params.map((param, i) => {
      if (param === null || param === undefined) return null;
      if (param instanceof TypedArray) {
        const binary = param.binary();
        if (binary) return binary;
        param = param.values;
      }
      const serializer = this.pglite.serializers[paramTypes[i] ?? 0];
      return serializer ? serializer(param) : String(param);
    });
  }

  async #forget(text: string): Promise<void> {
    const name = this.#names.forget(text);
    if (name !== undefined) this.#shapes.forget(name);
    if (name === undefined || !this.#paramTypes.delete(name)) return;
    await this.#exchange(Buffer.concat([serialize.close({ type: 'S', name }), serialize.sync()]), {
      syncToFs: false,
    });
  }

  /**
   * One round trip under PGlite's own query lock, so that close() cannot tear PGlite down midway. Its
   * replies are read by pg-protocol's parser, node-postgres's: PGlite's own, a fork of it built with
   * private fields lowered to WeakMap lookups, was 15% of the thread's time under the benchmark.
   */
  #exchange(message: Uint8Array, options: { syncToFs: boolean }): Promise<BackendMessage[]> {
    return this.pglite.runExclusive(async () => {
      if (!this.pglite.ready) throw new Error('PGlite is closed');
      const replies: BackendMessage[] = [];
      const parser = new Parser();
      await this.pglite.execProtocolRawStream(message, {
        syncToFs: options.syncToFs,
        // A view of PGlite's memory, which its next write reuses: copied before the parser keeps any of it.
        onRawData: (chunk) => parser.parse(Buffer.from(chunk), (reply) => replies.push(reply)),
      });
      const failure = replies.find((reply) => reply.name === 'error');
      if (failure) throw failure;
      return replies;
    });
  }

  // biome-ignore lint/correctness/useYield: PGlite returns whole results; streaming is not offered.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on PGlite');
  }
}

class PGliteDriver extends PipeliningDriver {
  // PGlite has exactly one connection, so a caller holds it from acquire to release: a transaction's
  // statements can never interleave with another's. (kysely-pglite 0.6.1 lacks this: 500 concurrent
  // increments of one row ended at 1.)
  readonly #lock = new FifoLock();
  readonly #connection: PGliteConnection;

  constructor(private readonly pglite: PGlite) {
    super();
    this.#connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
    // A new WAL segment is 16 MB of zeros written by default, and here it is written in this thread,
    // holding every request for the time (about every 1.5 s under the payments benchmark, whose p99
    // was 53–60 ms with this setting against 75–101 ms without). PostgreSQL's documentation offers it
    // for file systems that gain nothing by the zeros; PGlite's gains the thread back. With checkpoints
    // (housekeeping.ts) most segments are recycled ones anyway.
    await this.pglite.exec('set wal_init_zero = off');
  }

  async acquireConnection(): Promise<PGliteConnection> {
    await this.#lock.acquire();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#lock.release();
  }

  async destroy(): Promise<void> {
    await this.pglite.close();
  }
}

export function pgliteDialect(pglite: PGlite): PipeliningDialect {
  return postgresSqlDialect(() => new PGliteDriver(pglite));
}

type TypeParsers = Record<number, (text: string, typeId: number) => unknown>;

/**
 * Each statement's rows, by the shape it was known to have or the server described, and the rows it
 * changed.
 */
function resultsOf(
  replies: readonly BackendMessage[],
  known: readonly (RowShape | null | undefined)[],
  parserFor: (type: number) => TextParser,
): StatementResult[] {
  const results: StatementResult[] = [];
  let shape = known[0] ?? undefined;
  let rows: Record<string, unknown>[] = [];
  for (const reply of replies) {
    if (reply.name === 'rowDescription') {
      shape = RowShape.of((reply as RowDescriptionMessage).fields, parserFor);
    } else if (reply.name === 'dataRow') {
      if (!shape) throw new Error(`statement ${results.length + 1} returned rows it was known not to`);
      rows.push(shape.row((reply as DataRowMessage).fields));
    } else if (reply.name === 'commandComplete') {
      const { command, rowCount } = readCommandTag((reply as CommandCompleteMessage).text);
      const affectedRows = changesRows(command) ? (rowCount ?? 0) : 0;
      results.push({ rows, command, affectedRows, ...(shape ? { shape } : {}) });
      shape = known[results.length] ?? undefined;
      rows = [];
    }
  }
  return results.length > 0 ? results : [{ rows: [], affectedRows: 0 }];
}

function toQueryResult<R>(result: { rows: unknown[]; affectedRows?: number } | undefined): QueryResult<R> {
  return {
    rows: (result?.rows ?? []) as R[],
    ...(result?.affectedRows === undefined ? {} : { numAffectedRows: BigInt(result.affectedRows) }),
  };
}

/** PGlite's query() tells its errors which statement failed; so do these. */
function withStatement(error: unknown, query: string, params: readonly unknown[]): unknown {
  if (error instanceof DatabaseError) Object.assign(error, { query, params });
  return error;
}
