import {
  type Compilable,
  CompiledQuery,
  createQueryId,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type InsertObject,
  isExpression,
  type Kysely,
  type QueryResult,
  type RawBuilder,
  RawNode,
  type Selectable,
  type TransactionSettings,
  type UpdateObject,
} from 'kysely';
import {
  type ColumnTypes,
  findsRows,
  type OverArrays,
  overArrays,
  replaceParameters,
  type Template,
} from './held-rows.js';
import {
  assertCommitted,
  beginStatement,
  COMMIT,
  type PipelinedResult,
  type PipeliningConnection,
  type PipeliningDialect,
  type PipeliningDriver,
} from './pipeline.js';

/**
 * Writes at commit: a transaction's writes whose rows nothing reads back in that transaction (an
 * audit record, an event, an outbox row, a journal line, the final update of a row it has locked)
 * are held and sent together, as one statement, when the transaction commits. On these machines
 * every statement is a round trip that costs both processes a wake-up, so a payment's confirm sends
 * several statements fewer.
 *
 * `BEGIN` is sent with the transaction's first statement, in the same round trip (a pipeline), and
 * COMMIT with the held writes: a payment's confirm makes two round trips fewer. A transaction whose
 * only writes are held (creating a payment) is one statement in all, atomic without BEGIN or COMMIT.
 *
 * A later statement of the transaction that names a held table (reading a payment it just created,
 * say) first sends what is held, so it reads its own writes. A statement that only reaches a held
 * table through a trigger or a foreign key does not: hold only rows nothing refers to yet.
 *
 * All the held writes run as data-modifying CTEs of one statement, which share one snapshot: an
 * update would not see a row inserted beside it, and two updates of one row would apply only one.
 * So an update that names a held table, and any write that names a table a held update writes,
 * first sends what is held. Triggers and foreign keys are checked at the end of that statement, so
 * a held row may refer to another held row.
 *
 * What a caller gives up: an error the insert raises (a broken constraint) surfaces at commit, or at
 * that later statement, and rolls back the whole transaction. Rows sent in one batch are inserted in
 * no promised order (serial ids may not follow call order).
 *
 * The same connection also sends a read ahead of the transaction's next statement (readWithNext), for
 * a caller that can go on without its answer and check it afterwards.
 */
/**
 * A write handed to the connection to hold, with what the connection must know of it: the table it
 * writes, whether it updates, the tables its SELECT reads, and for an insert the text
 * up to its rows, by which inserts into one table with the same columns are merged. Kept beside the
 * statement rather than in its text, so the connection reads it without parsing anything; Kysely
 * hands the connection this very object.
 */
class WriteToHold implements CompiledQuery {
  readonly queryId = createQueryId();

  constructor(
    readonly sql: string,
    readonly parameters: readonly unknown[],
    readonly held: {
      table: string;
      update: boolean;
      reads: readonly string[];
      insertHead: string | undefined;
      /** What it is made of, for a group to write it with others of its kind over arrays. */
      template: Template | undefined;
    },
  ) {}

  get query() {
    return RawNode.createWithSql(this.sql);
  }
}

/** The table a plain insert or a plain update writes; undefined for anything else. */
function writtenTable(sql: string): string | undefined {
  if (/\breturning\b|\bon conflict\b|\bselect\b|\bfrom\b|'/.test(sql)) return undefined;
  return (/^insert into "([a-z0-9_]+)" \([^)]*\) values \(/.exec(sql) ??
    /^update "([a-z0-9_]+)" set .+ where /s.exec(sql))?.[1];
}

/** The table an insert whose rows a SELECT gives writes; undefined for anything else. */
function insertSelectTable(sql: string): string | undefined {
  if (/\breturning\b|\bon conflict\b/.test(sql)) return undefined;
  return /^insert into "([a-z0-9_]+)" \([^)]*\) select /.exec(sql)?.[1];
}

const INSERT_HEAD = /^insert into "[a-z0-9_]+" \([^)]*\) values /;
const INSERT_SELECT_HEAD = /^insert into "[a-z0-9_]+" \([^)]*\) (?=select )/;

/**
 * Writes `query` when the caller's transaction commits, or at once outside a transaction. Only for
 * plain inserts (no RETURNING, ON CONFLICT or WITH) and plain updates (no RETURNING, FROM or
 * subquery) that nothing in the transaction reads back; an update only of rows the transaction
 * has locked, since nobody learns how many rows it changed.
 *
 * With `reads`, an insert whose rows a SELECT of those tables gives (`insert into "t" (…) select …`):
 * it reads them as they are at commit, so it is for tables the transaction does not write after it;
 * held writes to them before it are sent first. Its `parameterTypes` (as casts write them, one a
 * parameter) let a group write such inserts of its members as one (held-rows.ts).
 */
export async function writeAtCommit(
  // biome-ignore lint/suspicious/noExplicitAny: any module's Kysely view of the shared store.
  db: Kysely<any>,
  query: Compilable | CompiledQuery,
  options: { reads?: readonly string[]; parameterTypes?: readonly string[] } = {},
): Promise<void> {
  const compiled = 'compile' in query ? query.compile() : query;
  const reads = options.reads ?? [];
  const table = reads.length > 0 ? insertSelectTable(compiled.sql) : writtenTable(compiled.sql);
  if (!table)
    throw new Error(`writeAtCommit takes a plain insert or update, not: ${compiled.sql.slice(0, 80)}`);
  const { sql, parameters } = compiled;
  const insertHead = INSERT_HEAD.exec(sql)?.[0];
  const update = sql.startsWith('update');
  const { parameterTypes } = options;
  if (parameterTypes && parameterTypes.length !== parameters.length)
    throw new Error(
      `writeAtCommit: ${parameterTypes.length} parameter types for ${parameters.length} parameters`,
    );
  const selectHead = parameterTypes && reads.length > 0 ? INSERT_SELECT_HEAD.exec(sql)?.[0] : undefined;
  const template: Template | undefined = selectHead
    ? { kind: 'select', head: selectHead, parameterTypes: parameterTypes! }
    : undefined;
  await hold(db, new WriteToHold(sql, parameters, { table, update, reads, insertHead, template }));
}

/** Where a transaction's writes are held, once its connection has said so (see hold). */
// biome-ignore lint/suspicious/noExplicitAny: any module's Kysely view of the shared store.
const holdingFor = new WeakMap<Kysely<any>, { connection: HoldingConnection; open: OpenTransaction }>();

/** Asks the connection where the transaction's writes are held (HoldingConnection.executeQuery). */
const WHERE_HELD = CompiledQuery.raw('/* where are writes held */', []);

/**
 * Hands a write to the transaction's connection to hold. Through Kysely that is a chain of promises a
 * statement, a tenth of what the server allocated for a payment (docs/performance.md): so the first
 * write of a transaction asks the connection where its writes are held, and the next ones are put
 * there directly, as long as the connection still serves that same transaction and nothing held must
 * be sent first; otherwise they go through Kysely as before.
 */
// biome-ignore lint/suspicious/noExplicitAny: any module's Kysely view of the shared store.
async function hold(db: Kysely<any>, write: WriteToHold): Promise<void> {
  let holding = holdingFor.get(db);
  if (holding === undefined && db.isTransaction) {
    const [found] = (
      await db.executeQuery<{ connection: HoldingConnection; open: OpenTransaction }>(WHERE_HELD)
    ).rows;
    if (found) {
      holding = found;
      holdingFor.set(db, found);
    }
  }
  if (holding?.connection.holdAtOnce(write, holding.open)) return;
  await db.executeQuery(write);
}

/**
 * writeAtCommit for one row inserted into `table`, without a query builder: the hot path holds a
 * dozen such rows a payment, and Kysely's building and compiling of each cost 4–13 µs on these
 * machines, where this costs about 1 µs. The text is Kysely's own (`insert into "t" ("a", …) values
 * ($1, …)`), made once per table and set of columns. A column whose value is undefined is left out,
 * as Kysely leaves it out; a value may be a parameterless raw expression (sql`now()`).
 */
export async function holdInsert<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  row: InsertObject<DB, T>,
): Promise<void> {
  if (Array.isArray(row)) throw new Error('holdInsert takes one row');
  const parameters: unknown[] = [];
  const { columns, values } = valuesOf(db, 'holdInsert', row as Record<string, unknown>, parameters);
  const text = textOf(`insert ${table}`, [columns, values], () => {
    checkNames('holdInsert', table, columns);
    const head = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values `;
    const template: Template = { kind: 'insert', table, columns, values };
    return { sql: `${head}(${values.join(', ')})`, head, template };
  });
  const what = { table, update: false, reads: [], insertHead: text.head, template: text.template };
  await hold(db, new WriteToHold(text.sql, parameters, what));
}

/**
 * writeAtCommit for an update of `table`'s rows whose columns equal `where`'s values, without a query
 * builder, as holdInsert is for an insert: `update "t" set "a" = $1, … where "k" = $2 and …`, the
 * text made once per table and set of columns. Only of rows the transaction has locked.
 */
export async function holdUpdate<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  set: UpdateObject<DB, T>,
  where: Partial<Selectable<DB[T]>>,
): Promise<void> {
  const parameters: unknown[] = [];
  const { columns, values } = valuesOf(db, 'holdUpdate', set as Record<string, unknown>, parameters);
  const keys = Object.keys(where);
  // A raw value in `set` takes no parameter: the first key's is the one after the set's last.
  const setParameters = parameters.length;
  for (const column of keys) {
    const value = (where as Record<string, unknown>)[column];
    if (value === undefined || value === null || isExpression(value))
      throw new Error(`holdUpdate matches columns to values, not to ${String(value)}: ${column}`);
    parameters.push(value);
  }
  if (columns.length === 0 || keys.length === 0) throw new Error('holdUpdate sets a column of chosen rows');
  const text = textOf(`update ${table}`, [columns, values, keys], () => {
    checkNames('holdUpdate', table, [...columns, ...keys]);
    const assignments = columns.map((column, i) => `"${column}" = ${values[i]}`).join(', ');
    const matches = keys.map((column, i) => `"${column}" = ${placeholder(setParameters + i + 1)}`);
    return {
      sql: `update "${table}" set ${assignments} where ${matches.join(' and ')}`,
      head: undefined,
      template: { kind: 'update', table, columns, values, keys } satisfies Template,
    };
  });
  const what = { table, update: true, reads: [], insertHead: undefined, template: text.template };
  await hold(db, new WriteToHold(text.sql, parameters, what));
}

interface Text {
  sql: string;
  /** An insert's text up to its rows. */
  head: string | undefined;
  template: Template;
}

/** holdInsert's and holdUpdate's texts by table and columns (a raw value's text is part of the key). */
const texts = new Map<string, Text>();
/** The text each of them made last for each table, with its parts: most calls ask for it again. */
const lastTexts = new Map<string, { parts: readonly (readonly string[])[]; text: Text }>();

/**
 * The text for `parts` (columns, their values' texts, …) of `kind`, made by `make` the first time. The
 * last one asked for is checked first, by comparing the parts name by name: column names are the
 * same strings each time, and `$n` too (placeholder), so that costs a few nanoseconds where building
 * and hashing a key took over a microsecond for a wide row.
 */
function textOf(kind: string, parts: readonly (readonly string[])[], make: () => Text): Text {
  const last = lastTexts.get(kind);
  if (last && last.parts.length === parts.length && last.parts.every((part, i) => sameNames(part, parts[i]!)))
    return last.text;
  const key = `${kind} ${parts.map((part) => part.join()).join(' ')}`;
  let text = texts.get(key);
  if (text === undefined) {
    text = make();
    texts.set(key, text);
  }
  lastTexts.set(kind, { parts, text });
  return text;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `$n`, one string for each n. */
const placeholders: string[] = [];
function placeholder(n: number): string {
  let text = placeholders[n];
  if (text === undefined) {
    text = `$${n}`;
    placeholders[n] = text;
  }
  return text;
}

const IDENTIFIER = /^[a-z0-9_]+$/;

function checkNames(caller: string, table: string, columns: readonly string[]) {
  for (const name of [table, ...columns])
    if (!IDENTIFIER.test(name)) throw new Error(`${caller} takes lower-case names, not: ${name}`);
}

/**
 * A row's columns (undefined values left out) and each value's text: `$n`, its value appended to
 * `parameters`, or a parameterless raw expression's own text.
 */
function valuesOf(
  // biome-ignore lint/suspicious/noExplicitAny: any module's Kysely view of the shared store.
  db: Kysely<any>,
  caller: string,
  row: Record<string, unknown>,
  parameters: unknown[],
): { columns: string[]; values: string[] } {
  const columns: string[] = [];
  const values: string[] = [];
  for (const column in row) {
    const value = row[column];
    if (value === undefined) continue;
    columns.push(column);
    if (isExpression(value)) {
      const raw = (value as RawBuilder<unknown>).compile(db);
      if (raw.parameters.length > 0)
        throw new Error(`${caller} takes raw values without parameters: ${column}`);
      values.push(raw.sql);
    } else {
      parameters.push(value);
      values.push(placeholder(parameters.length));
    }
  }
  return { columns, values };
}

/** A read sent with its transaction's next statement (readWithNext). */
export interface ReadWithNext<R> {
  /** Its rows; sent at once, alone, when no other statement has taken it along yet. */
  rows(): Promise<R[]>;
}

/**
 * A read handed to the connection to send with the transaction's next statement, and how to answer
 * whoever waits for its rows. Like WriteToHold, Kysely hands the connection this very object.
 */
class ReadToSend implements CompiledQuery {
  readonly queryId = createQueryId();
  sent = false;

  constructor(
    readonly sql: string,
    readonly parameters: readonly unknown[],
    readonly resolve: (result: QueryResult<unknown>) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  get query() {
    return RawNode.createWithSql(this.sql);
  }
}

/** Asks the connection to send the reads waiting for a next statement that has not come. */
const SEND_WAITING = CompiledQuery.raw('/* send waiting reads */', []);

/**
 * Sends `query` (a read, usually one that locks) in the same round trip as the transaction's next
 * statement, instead of waiting for its answer before going on: for a caller that can act without
 * it and check it afterwards (a confirm that authorizes the payment as it created it, then checks
 * the locked row is unchanged). It runs where it was asked for, before any later statement.
 */
export async function readWithNext<R>(
  // biome-ignore lint/suspicious/noExplicitAny: any module's Kysely view of the shared store.
  db: Kysely<any>,
  query: Compilable<R> | CompiledQuery<R>,
): Promise<ReadWithNext<R>> {
  const { sql, parameters } = 'compile' in query ? query.compile() : query;
  let read!: ReadToSend;
  const answered = new Promise<QueryResult<unknown>>((resolve, reject) => {
    read = new ReadToSend(sql, parameters, resolve, reject);
  });
  answered.catch(() => {}); // its error reaches whoever asks for its rows
  await db.executeQuery(read);
  return {
    async rows() {
      if (!read.sent) await db.executeQuery(SEND_WAITING);
      return (await answered).rows as R[];
    },
  };
}

/** Each statement takeHeld made, with the held writes it carries (see mergeHeldWrites). */
const heldWritesIn = new WeakMap<CompiledQuery, CompiledQuery[]>();

/** The writes a statement of held writes carries; undefined for any other statement. */
export function heldWritesOf(statement: CompiledQuery): CompiledQuery[] | undefined {
  return heldWritesIn.get(statement);
}

/** Whether any of these held writes, written over arrays, would find rows by a join (see KEYED_PLANS). */
export function anyFindsRows(writes: readonly CompiledQuery[]): boolean {
  return writes.some((write) => write instanceof WriteToHold && findsRows(write.held.template));
}

/** Renumbers the $n parameters of a held write by `offset` (see replaceParameters). */
function shiftParameters(text: string, offset: number): string {
  return offset === 0 ? text : replaceParameters(text, (n) => placeholder(n + offset));
}

/** Several held writes as one statement: each one a data-modifying CTE, its parameters renumbered. */
export function combine(queries: CompiledQuery[]): CompiledQuery {
  if (queries.length === 1) return queries[0]!;
  const parameters: unknown[] = [];
  const parts = queries.map((query, i) => {
    const text = shiftParameters(query.sql, parameters.length);
    parameters.push(...query.parameters);
    return `w${i} as (${text})`;
  });
  return CompiledQuery.raw(`with ${parts.join(', ')} select 1`, parameters);
}

/**
 * Held writes with those of one kind (`kindOf`, undefined for a write kept as it is) made one
 * statement (`merge`), in the order they came, so that PostgreSQL starts one insert, and reads the
 * table's constraints once. Each statement stays where the first of its kind was.
 */
function mergeAlike(
  writes: CompiledQuery[],
  kindOf: (write: WriteToHold) => string | undefined,
  merge: (kind: string, writes: CompiledQuery[]) => CompiledQuery,
): CompiledQuery[] {
  const kinds = new Map<string, CompiledQuery[]>();
  // Each write kept as it is, or the kind of a merged statement, in the order they first came.
  const order: (CompiledQuery | string)[] = [];
  for (const write of writes) {
    const kind = write instanceof WriteToHold ? kindOf(write) : undefined;
    if (kind === undefined) {
      order.push(write);
      continue;
    }
    const alike = kinds.get(kind);
    if (alike) alike.push(write);
    else {
      kinds.set(kind, [write]);
      order.push(kind);
    }
  }
  return order.map((item) => (typeof item === 'string' ? merge(item, kinds.get(item)!) : item));
}

/** Held writes with the inserts into one table with the same columns made one insert of all their rows. */
function mergeInserts(writes: CompiledQuery[]): CompiledQuery[] {
  return mergeAlike(writes, (write) => write.held.insertHead, insertOfAll);
}

/** Inserts that share a text up to their rows (`head`) as one insert of all their rows. */
function insertOfAll(head: string, inserts: CompiledQuery[]): CompiledQuery {
  if (inserts.length === 1) return inserts[0]!;
  const parameters: unknown[] = [];
  const values = inserts.map((insert) => {
    const text = shiftParameters(insert.sql.slice(head.length), parameters.length);
    parameters.push(...insert.parameters);
    return text;
  });
  return CompiledQuery.raw(head + values.join(', '), parameters);
}

/**
 * Held writes with those of one text made one statement over arrays (held-rows.ts), whatever their
 * number; an insert whose types are not known (a table created since they were read) merged as
 * mergeInserts does. A kind is the one-write text, or an insert's head, which ends where rows begin.
 */
function mergeOverArrays(writes: CompiledQuery[], types: ColumnTypes): CompiledQuery[] {
  // Each kind's statement over arrays, by the one-write text that is its kind.
  const statements = new Map<string, OverArrays>();
  return mergeAlike(
    writes,
    (write) => {
      const { template, insertHead } = write.held;
      const statement = template && types.overArraysOf(write.sql, template);
      if (statement === undefined) return insertHead;
      statements.set(write.sql, statement);
      return write.sql;
    },
    (kind, alike) => {
      const statement = statements.get(kind);
      return statement === undefined ? insertOfAll(kind, alike) : overArrays(statement, alike);
    },
  );
}

/**
 * The held writes of several transactions as one statement (group commit: members of one database
 * transaction). Only for transactions that write different rows (a group's members): two members'
 * updates of one row would apply only one, as within one transaction's held writes. With the
 * tables' column types, writes of one kind go as one statement over arrays (mergeOverArrays), so
 * that the statement's text does not depend on the group's size; without, inserts are merged as one
 * transaction's are (mergeInserts).
 */
export function mergeHeldWrites(writes: CompiledQuery[], types?: ColumnTypes): CompiledQuery {
  return held(types ? mergeOverArrays(writes, types) : mergeInserts(writes), { merged: true });
}

/**
 * The held writes as one statement, remembered as such. Its text is made when it is first read: a
 * group never reads it, since it merges its members' writes instead (mergeHeldWrites).
 */
function held(writes: CompiledQuery[], { merged = false } = {}): CompiledQuery {
  const statement = writes.length === 1 ? writes[0]! : new HeldWrites(writes, merged);
  heldWritesIn.set(statement, writes);
  return statement;
}

class HeldWrites implements CompiledQuery {
  #combined: CompiledQuery | undefined;

  /** `merged`: its inserts are merged already (mergeHeldWrites); otherwise that is done when read. */
  constructor(
    private readonly writes: CompiledQuery[],
    private readonly merged: boolean,
  ) {}

  get #statement(): CompiledQuery {
    this.#combined ??= combine(this.merged ? this.writes : mergeInserts(this.writes));
    return this.#combined;
  }

  get sql() {
    return this.#statement.sql;
  }

  get parameters() {
    return this.#statement.parameters;
  }

  get query() {
    return this.#statement.query;
  }

  get queryId() {
    return this.#statement.queryId;
  }
}

interface OpenTransaction {
  settings: TransactionSettings;
  begun: boolean;
  held: CompiledQuery[];
  /** The tables the held writes write, each with a pattern that finds its name in a statement. */
  heldTables: Map<string, RegExp>;
  /** Those of them a held update writes. */
  updatedTables: Set<string>;
  /** Reads to send ahead of the next statement (readWithNext). */
  waiting: ReadToSend[];
}

/** Whether a held write must first send what is held: one snapshot for all (the module's comment). */
function clashes(open: OpenTransaction, { table, update, reads }: WriteToHold['held']): boolean {
  return (
    (update ? open.heldTables.has(table) : open.updatedTables.has(table)) ||
    reads.some((read) => open.heldTables.has(read))
  );
}

function holdIn(open: OpenTransaction, write: WriteToHold): void {
  const { table, update } = write.held;
  open.held.push(write);
  open.heldTables.set(table, namePattern(table));
  if (update) open.updatedTables.add(table);
}

/** A pattern that finds a table's name in a statement, made once per table. */
const namePatterns = new Map<string, RegExp>();
function namePattern(table: string): RegExp {
  let pattern = namePatterns.get(table);
  if (!pattern) {
    pattern = new RegExp(`\\b${table}\\b`);
    namePatterns.set(table, pattern);
  }
  return pattern;
}

function namesAny(sql: string, tables: Iterable<RegExp>): boolean {
  for (const table of tables) if (table.test(sql)) return true;
  return false;
}

class HoldingConnection implements DatabaseConnection {
  transaction: OpenTransaction | undefined;

  constructor(
    readonly inner: PipeliningConnection,
    private readonly observer: StatementObserver | undefined,
    private readonly connectionNumber: number,
  ) {}

  /** Tells the observer, if any, of a statement: its text is read only then (see HeldWrites). */
  onStatement(statement: CompiledQuery | string, withPrevious: boolean): void {
    if (!this.observer) return;
    const sql = typeof statement === 'string' ? statement : statement.sql;
    this.observer(sql, this.connectionNumber, withPrevious);
  }

  /** Sends query, after the deferred BEGIN and the waiting reads, in the same round trip. */
  async send<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const open = this.transaction;
    // Without parameters it may be a script of several statements (a migration), which only the
    // simple protocol runs: BEGIN goes alone before it.
    if (open && !open.begun && open.waiting.length === 0 && query.parameters.length === 0) {
      open.begun = true;
      await this.beginAlone(open);
    }
    if (!open || (open.begun && open.waiting.length === 0)) {
      this.onStatement(query, false);
      return this.inner.executeQuery<R>(query);
    }
    const [result] = await this.sendAll([query]);
    return result as QueryResult<R>;
  }

  /**
   * Sends queries in one round trip, after BEGIN if the transaction has not begun and after the reads
   * waiting to go with the next statement; their answers, without those of the statements put before.
   */
  async sendAll(queries: CompiledQuery[]): Promise<PipelinedResult[]> {
    const open = this.transaction!;
    const begin = open.begun ? [] : [beginStatement(open.settings)];
    open.begun = true;
    const reads = open.waiting.splice(0);
    for (const read of reads) read.sent = true;
    try {
      const results = await this.pipeline([...begin, ...reads, ...queries]);
      for (const [i, read] of reads.entries()) read.resolve(results[begin.length + i]!);
      return results.slice(begin.length + reads.length);
    } catch (error) {
      for (const read of reads) read.reject(error);
      throw error;
    }
  }

  async beginAlone(open: OpenTransaction): Promise<void> {
    this.onStatement('begin', false);
    await this.inner.executeQuery(beginStatement(open.settings));
  }

  pipeline(queries: CompiledQuery[]) {
    for (const [i, query] of queries.entries()) this.onStatement(query, i > 0);
    return this.inner.executePipeline(queries);
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const open = this.transaction;
    if (query instanceof ReadToSend) return this.#readWithNext(open, query);
    if (query === SEND_WAITING) {
      if (open && open.waiting.length > 0) await this.sendAll([]);
      return { rows: [] };
    }
    if (query instanceof WriteToHold) {
      if (!open) return this.send(query);
      // One snapshot for all the held writes: see the module's comment.
      if (clashes(open, query.held)) await this.sendHeld(open);
      holdIn(open, query);
      return { rows: [] };
    }
    if (query === WHERE_HELD) return { rows: open ? [{ connection: this, open } as R] : [] };
    if (open && open.held.length > 0 && namesAny(query.sql, open.heldTables.values()))
      await this.sendHeld(open);
    return this.send(query);
  }

  /**
   * Holds a write of the transaction `open` without Kysely (see hold): false, and nothing done, when
   * this connection serves another transaction by now, or when what is held must be sent first.
   */
  holdAtOnce(write: WriteToHold, open: OpenTransaction): boolean {
    if (this.transaction !== open || clashes(open, write.held)) return false;
    holdIn(open, write);
    return true;
  }

  async #readWithNext<R>(open: OpenTransaction | undefined, read: ReadToSend): Promise<QueryResult<R>> {
    if (!open) {
      // Outside a transaction there is no next statement to wait for.
      read.sent = true;
      await this.send(read).then(read.resolve, read.reject);
      return { rows: [] };
    }
    // It must see what the transaction wrote before asking for it.
    if (open.held.length > 0 && namesAny(read.sql, open.heldTables.values())) await this.sendHeld(open);
    open.waiting.push(read);
    return { rows: [] };
  }

  async sendHeld(open: OpenTransaction): Promise<void> {
    await this.send(this.takeHeld(open));
  }

  /** The held writes as one statement, no longer held. */
  takeHeld(open: OpenTransaction): CompiledQuery {
    const writes = open.held;
    open.held = [];
    open.heldTables.clear();
    open.updatedTables.clear();
    return held(writes);
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    const open = this.transaction;
    if (open && !open.begun) {
      open.begun = true;
      await this.beginAlone(open);
    }
    this.onStatement(query, false);
    yield* this.inner.streamQuery<R>(query, chunkSize);
  }
}

class HoldingDriver implements Driver {
  // One wrapper per pooled connection: Kysely remembers every connection object it is handed.
  readonly #wrappers = new WeakMap<DatabaseConnection, HoldingConnection>();
  #connections = 0;

  constructor(
    private readonly inner: PipeliningDriver,
    private readonly onStatement: StatementObserver | undefined,
  ) {}

  init() {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    let wrapper = this.#wrappers.get(connection);
    if (!wrapper) {
      wrapper = new HoldingConnection(connection, this.onStatement, ++this.#connections);
      this.#wrappers.set(connection, wrapper);
    }
    return wrapper;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    (connection as HoldingConnection).transaction = {
      settings,
      begun: false,
      held: [],
      heldTables: new Map(),
      updatedTables: new Set(),
      waiting: [],
    };
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const holding = connection as HoldingConnection;
    const open = holding.transaction!;
    if (!open.begun && open.waiting.length === 0) {
      // Nothing else ran: the held writes alone are one atomic statement, no transaction needed.
      holding.transaction = undefined;
      if (open.held.length > 0) await holding.send(holding.takeHeld(open));
      return;
    }
    if (open.held.length === 0 && open.waiting.length === 0) {
      holding.transaction = undefined;
      holding.onStatement('commit', false);
      return this.inner.commitTransaction(holding.inner);
    }
    // The waiting reads, the held writes and COMMIT in one round trip. If they fail, the transaction
    // stays open (aborted) for the ROLLBACK that Kysely sends next; if COMMIT itself fails, that
    // ROLLBACK only draws a warning.
    const held = open.held.length > 0 ? [holding.takeHeld(open)] : [];
    const results = await holding.sendAll([...held, COMMIT]);
    holding.transaction = undefined;
    assertCommitted(results.at(-1));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const holding = connection as HoldingConnection;
    const open = holding.transaction;
    holding.transaction = undefined;
    for (const read of open?.waiting ?? [])
      read.reject(new Error('the transaction ended before this read was sent'));
    if (!open?.begun) return;
    holding.onStatement('rollback', false);
    await this.inner.rollbackTransaction(holding.inner);
  }

  releaseConnection(connection: DatabaseConnection) {
    return this.inner.releaseConnection((connection as HoldingConnection).inner);
  }

  destroy() {
    return this.inner.destroy();
  }
}

/**
 * Told the text of every statement sent to the database, BEGIN and COMMIT included; which pooled
 * connection sent it (numbered from 1), so statements of concurrent transactions can be told apart;
 * and whether it went in the same round trip as the statement before it on that connection.
 */
export type StatementObserver = (sql: string, connection: number, withPrevious: boolean) => void;

/** The dialect with writes at commit and BEGIN sent with the first statement. */
export function holdingWritesToCommit(dialect: PipeliningDialect, onStatement?: StatementObserver): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new HoldingDriver(dialect.createDriver(), onStatement),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
