import { CompiledQuery, type DatabaseConnection, Kysely, type Transaction } from 'kysely';
import { FifoLock } from './fifo-lock.js';
import { ColumnTypes, KEYED_PLANS } from './held-rows.js';
import {
  AbortedTransactionError,
  assertCommitted,
  COMMIT,
  type PipelinedResult,
  type PipeliningConnection,
  PipeliningDriver,
  postgresSqlDialect,
  ROLLBACK,
} from './pipeline.js';
import {
  anyFindsRows,
  heldWritesOf,
  holdingWritesToCommit,
  mergeHeldWrites,
  type StatementObserver,
} from './write-at-commit.js';

/**
 * Group commit: concurrent transactions that ask for it (the API's payment calls) share one database
 * transaction on one connection. Statements that members send in the same turn of the event loop go
 * out together in one pipeline, and the group commits once, when its last member is done. On these
 * machines every round trip costs both processes a wake-up and every commit a WAL flush; a group of
 * eight payments pays for about as many round trips and one commit as a single payment does.
 *
 * A group admits members until it has its connection and sends its first pipeline. One group of
 * each lane (see Lane) holds a connection at a time, and the next one fills while it runs. A lone
 * transaction sends the statements it would on its own (write-at-commit.ts): its BEGIN with its first
 * statement, its COMMIT with its held writes, and neither when it is one statement.
 *
 * Members' held writes of one kind go as one statement over arrays (held-rows.ts), a lone member's
 * too: a group's statements then read the same whatever its size, and PostgreSQL keeps one plan of
 * each on each connection instead of planning every group size again.
 *
 * What members give up, and how it is made safe:
 * - They do not exclude each other: in one database transaction a row one member locked is the
 *   others' too. A member names keys for what it must have to itself (its payment, its
 *   Idempotency-Key), and a group admits no two members with one key: the second runs on its own and
 *   waits for the group's locks like any other transaction. What it learns it needs only while
 *   running (the bills a payment pays), it claims with claimExclusively. Rows that members merely
 *   share (a card, a hot ledger account) are safe where each change is decided in the statement that
 *   makes it (the day's spending, a balance check): one transaction's statements run one after
 *   another, and each sees what the others wrote before it.
 * - They fall together: when any statement of the group fails, or a member rolls back after it has
 *   sent something, the whole group rolls back, and every other member gets GroupAborted, which the
 *   store answers by running it again on its own (store.ts). A member's work must therefore be a
 *   function of the database alone, as store.transaction already asks for its retries.
 * - They wait for each other: a group commits when its slowest member is done.
 */
export class GroupAborted extends Error {
  constructor(cause: unknown) {
    super('the group this transaction joined was rolled back: run it again on its own', { cause });
  }
}

/** Whether the database answered the error (so it rolled back), rather than the connection failing. */
function answeredByServer(error: unknown): boolean {
  // Both pg's and PGlite's DatabaseError carry the ErrorResponse's severity.
  if (error instanceof AbortedTransactionError) return true;
  return typeof (error as { severity?: unknown } | null)?.severity === 'string';
}

/** Each grouped transaction's group, and the token that stands for it there. */
// biome-ignore lint/suspicious/noExplicitAny: any module's view of the shared store.
const memberships = new WeakMap<Kysely<any>, { group: Group; owner: object }>();

/**
 * Says that the caller's transaction must have `key` (a bill, a payment) to itself before it reads
 * it to decide a write. On its own a transaction's row locks do that already, and this does nothing.
 * In a group, where locks exclude nobody, a second member claiming the key rolls the group back, and
 * every member runs again on its own (the rows were locked in the same statement round: neither
 * could see the other's write). Keys known before the transaction starts are better named to
 * store.transaction, which keeps such members apart without a rollback.
 */
// biome-ignore lint/suspicious/noExplicitAny: see memberships.
export function claimExclusively(db: Kysely<any>, key: string): void {
  const membership = memberships.get(db);
  membership?.group.claim(membership.owner, key);
}

export interface GroupCommitOptions {
  /** Members one group admits at most. */
  maxMembers: number;
  onStatement?: StatementObserver | undefined;
}

interface Pending {
  queries: CompiledQuery[];
  resolve: (results: PipelinedResult[]) => void;
  reject: (error: unknown) => void;
}

/** datatype_mismatch, cannot_coerce, undefined_table, undefined_column. */
const SCHEMA_CHANGED = new Set(['42804', '42846', '42P01', '42703']);

const BEGIN = /^begin$/i;
const BEGIN_STATEMENT = CompiledQuery.raw('begin');
const COMMITTED: PipelinedResult = { rows: [], command: 'COMMIT' };
const NOTHING: PipelinedResult = { rows: [], command: undefined };

/**
 * Groups of one lane take turns on a connection; groups of different lanes run side by side. One
 * group at a time per lane: the next fills meanwhile, and fewer, larger groups are what grouping
 * gains by. Measured, letting the next group start while one commits gained nothing on these
 * machines, nor letting a second start beside the running one once it had eight members
 * (docs/performance.md). Two groups at once used to deadlock on the hot ledger accounts,
 * which members' postings locked in no set order; the postings' trigger now locks a statement's
 * accounts in id order (the ledger's migration 0030), which is what lets groups of several API nodes
 * share a database. A lane of its own is only for transactions that take no lock the others wait on
 * (creating a payment inserts two rows).
 */
interface Lane {
  admitting: Group | undefined;
  readonly connectionTurn: FifoLock;
}

export class GroupCommit {
  readonly #lanes = new Map<string, Lane>();
  #groupNumber = 0;
  /** The tables' column types, for writing members' writes over arrays (held-rows.ts); read once. */
  #columnTypes: ColumnTypes | undefined;
  /** Tables missing from them that they have been read again for: once a table is enough. */
  readonly #soughtAgain = new Set<string>();

  constructor(
    readonly inner: PipeliningDriver,
    readonly options: GroupCommitOptions,
  ) {}

  /**
   * The tables' column types, read on the group's connection the first time, and again when a table
   * that a group wrote was not there (created since), once for each such table. Never read within a
   * transaction: a reading that failed would roll it back.
   */
  async columnTypes(
    connection: PipeliningConnection,
    inTransaction: boolean,
  ): Promise<ColumnTypes | undefined> {
    const types = this.#columnTypes;
    if (inTransaction || (types && !this.#missesUnsought(types))) return types;
    for (const name of types?.missing ?? []) this.#soughtAgain.add(name);
    // Without them the members' writes are merged as rows of values: slower, not wrong.
    this.#columnTypes = await ColumnTypes.load(connection).catch(() => undefined);
    return this.#columnTypes;
  }

  /** Whether the types lack a table or column not yet read again for. */
  #missesUnsought(types: ColumnTypes): boolean {
    for (const name of types.missing) if (!this.#soughtAgain.has(name)) return true;
    return false;
  }

  /**
   * Forgets the column types after an error that a changed table could cause (a column's type, a
   * table gone): the next group reads them again, so that a schema changed under a running process
   * costs one failed group, not every group after it.
   */
  forgetColumnTypesAfter(error: unknown): void {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && SCHEMA_CHANGED.has(code)) this.#columnTypes = undefined;
  }

  /**
   * Runs fn as a member of the group now filling, or returns undefined without running it when that
   * group already has a member with one of these keys (the caller then runs fn on its own).
   */
  async run<T>(
    keys: readonly string[],
    // biome-ignore lint/suspicious/noExplicitAny: any module's view of the shared store.
    fn: (trx: Transaction<any>) => Promise<T>,
    laneName = '',
  ): Promise<{ value: T } | undefined> {
    let lane = this.#lanes.get(laneName);
    if (!lane) {
      lane = { admitting: undefined, connectionTurn: new FifoLock() };
      this.#lanes.set(laneName, lane);
    }
    let group = lane.admitting;
    if (group && !group.admits()) group = undefined;
    if (group && keys.some((key) => group!.claims.has(key))) return undefined;
    if (!group) {
      group = new Group(this, lane.connectionTurn, ++this.#groupNumber);
      lane.admitting = group;
    }
    const owner = {};
    for (const key of keys) group.claims.set(key, owner);
    const joined = group;
    return {
      value: await joined.db.transaction().execute((trx) => {
        memberships.set(trx, { group: joined, owner });
        return fn(trx);
      }),
    };
  }
}

class Group {
  /** What members must have to themselves, each with the member that has it. */
  readonly claims = new Map<string, object>();
  // biome-ignore lint/suspicious/noExplicitAny: see run.
  readonly db: Kysely<any>;
  /** Members that have joined and are not done yet. */
  readonly #active = new Set<MemberConnection>();
  #size = 0;
  /** Closed to new members: it has sent its first pipeline, or it is full. */
  #closed = false;
  #queue: Pending[] = [];
  #connection: Promise<PipeliningConnection> | undefined;
  #begun = false;
  #busy = false;
  #scheduled = false;
  /** GroupAborted, or the error itself when the group may have committed. */
  #failure: Error | undefined;
  #over = false;
  readonly ended: Promise<void>;
  #settle!: (error?: Error) => void;

  constructor(
    readonly commit: GroupCommit,
    /** The lane's: held from this group's first statement to its end. */
    readonly connectionTurn: FifoLock,
    readonly number: number,
  ) {
    this.db = new Kysely({
      dialect: holdingWritesToCommit(postgresSqlDialect(() => new MemberDriver(this))),
    });
    this.ended = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => (error ? reject(error) : resolve());
    });
    // Members learn of a failure when they await it; nobody else needs to.
    this.ended.catch(() => {});
  }

  admits(): boolean {
    return !this.#closed && !this.#failure && this.#size < this.commit.options.maxMembers;
  }

  join(): MemberConnection {
    // Between admission and here only microtasks ran, but a group that ended takes nobody.
    if (this.#over) throw this.#failure ?? new GroupAborted(new Error('the group had already committed'));
    const member = new MemberConnection(this);
    this.#active.add(member);
    this.#size++;
    if (this.#size >= this.commit.options.maxMembers) this.#closed = true;
    // Taken when the first member joins, so that it is ready by the first statement.
    if (!this.#connection) {
      this.#connection = this.#open();
      this.#connection.catch(() => {}); // awaited by the flush; this only keeps it from counting as unhandled
    }
    return member;
  }

  async #open(): Promise<PipeliningConnection> {
    await this.connectionTurn.acquire();
    try {
      return await this.commit.inner.acquireConnection();
    } catch (error) {
      this.connectionTurn.release();
      throw error;
    }
  }

  /**
   * Runs a member's statements in the group's transaction. `last` marks its final statements (those
   * sent with its COMMIT, or its only statement when it never began): it is then done, and the call
   * returns once the group has committed.
   */
  async send(member: MemberConnection, queries: CompiledQuery[], last: boolean): Promise<PipelinedResult[]> {
    if (this.#failure) throw this.#failure;
    if (last) this.#finished(member);
    const results =
      queries.length === 0
        ? []
        : await new Promise<PipelinedResult[]>((resolve, reject) => {
            this.#queue.push({ queries, resolve, reject });
            this.#schedule();
          });
    if (last) await this.ended;
    return results;
  }

  claim(owner: object, key: string): void {
    const holder = this.claims.get(key);
    if (holder === undefined) this.claims.set(key, owner);
    else if (holder !== owner) {
      // The member's rollback (which Kysely sends as this error leaves it) rolls the group back.
      this.#failure ??= new GroupAborted(new Error(`two members of one group need ${key} to themselves`));
      throw this.#failure;
    }
  }

  /** A member that sent nothing goes: the group goes on without it. */
  leave(member: MemberConnection): void {
    this.#finished(member);
  }

  /** A member rolled back after sending statements: nothing of the group may commit. */
  async abort(member: MemberConnection, reason: unknown): Promise<void> {
    this.#active.delete(member);
    this.#failure ??= new GroupAborted(reason);
    if (!this.#busy) await this.#fail();
    await this.ended.catch(() => {});
  }

  #finished(member: MemberConnection): void {
    if (this.#active.delete(member)) this.#schedule();
  }

  /** Flushes after the current turn of the event loop, so that every member ready in it goes together. */
  #schedule(): void {
    if (this.#scheduled || this.#busy || this.#over) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#busy || this.#over) return;
    if (this.#failure) return this.#fail();
    if (this.#queue.length === 0 && this.#active.size > 0) return;
    this.#busy = true;
    let batch: Pending[] = [];
    let ended = false;
    let commitNow = false;
    try {
      const connection = await this.#connection!;
      if (this.#failure) throw this.#failure;
      // Whoever arrives from now on starts the next group. Those that came while this one waited for
      // its connection go in its first pipeline.
      this.#closed = true;
      commitNow = this.#active.size === 0;
      batch = this.#queue;
      this.#queue = [];
      const types = await this.commit.columnTypes(connection, this.#begun);
      const given = batch.flatMap((pending) => pending.queries);
      const { statements, resultOf } = withHeldWritesMerged(given, types, commitNow);
      // One statement in all is atomic by itself: no BEGIN, no COMMIT (a lone payment's creation).
      const alone = !this.#begun && commitNow && statements.length === 1;
      const begin = !this.#begun && !alone && statements.length > 0;
      if (commitNow && !this.#begun && statements.length === 0) {
        // Every member left without sending anything: the connection goes back unused.
        ended = true;
      } else {
        const pipeline = [
          ...(begin ? [BEGIN_STATEMENT] : []),
          ...statements,
          ...(commitNow && !alone ? [COMMIT] : []),
        ];
        this.#begun ||= begin;
        this.#observe(pipeline);
        const results = await connection.executePipeline(pipeline);
        if (commitNow && !alone) assertCommitted(results.at(-1));
        const first = begin ? 1 : 0;
        let at = 0;
        for (const pending of batch) {
          pending.resolve(pending.queries.map(() => results[first + resultOf[at++]!]!));
        }
        ended = commitNow;
      }
    } catch (error) {
      this.commit.forgetColumnTypesAfter(error);
      // A COMMIT that got no answer may have committed: running the members again could do their
      // work twice, so they fail as a transaction on its own would. Any other failure rolled back.
      this.#failure ??=
        commitNow && !answeredByServer(error) && error instanceof Error ? error : new GroupAborted(error);
      for (const pending of batch) pending.reject(this.#failure);
    } finally {
      this.#busy = false;
    }
    if (this.#failure) return this.#fail();
    if (ended) return this.#end();
    this.#schedule();
  }

  #observe(pipeline: CompiledQuery[]): void {
    const observer = this.commit.options.onStatement;
    if (!observer) return;
    // Group connections are numbered apart from the pool's, which count up from 1.
    for (const [i, query] of pipeline.entries()) observer(query.sql, -this.number, i > 0);
  }

  /** Rolls back what the group sent, if anything, and tells every member still waiting. */
  async #fail(): Promise<void> {
    if (this.#over) return;
    this.#over = true;
    const failure = this.#failure!;
    for (const pending of this.#queue) pending.reject(failure);
    this.#queue = [];
    const connection = await this.#connection?.catch(() => undefined);
    if (connection) {
      if (this.#begun) {
        this.#observe([ROLLBACK]);
        // A connection that cannot roll back is marked discarded by the driver, and not reused.
        await this.commit.inner.rollbackTransaction(connection).catch(() => {});
      }
      await this.commit.inner.releaseConnection(connection);
      this.connectionTurn.release();
    }
    this.#settle(failure);
  }

  async #end(): Promise<void> {
    this.#over = true;
    await this.commit.inner.releaseConnection(await this.#connection!);
    this.connectionTurn.release();
    this.#settle();
  }
}

/**
 * The statements of a pipeline as sent: the held writes of every member in it (write-at-commit.ts)
 * go as one statement, where the first of them was, over arrays once the column types are known (see
 * mergeHeldWrites): then even one member's, so that its text is the same as a larger group's. Before
 * them, when COMMIT follows and they find rows by joining their arrays, the settings that keep such
 * joins on the keys (KEYED_PLANS). `resultOf[i]` is where the result of the i-th statement given is;
 * members do not read what their held writes return.
 */
function withHeldWritesMerged(
  given: CompiledQuery[],
  types: ColumnTypes | undefined,
  commits: boolean,
): { statements: CompiledQuery[]; resultOf: number[] } {
  const writes = given.map(heldWritesOf);
  if (writes.filter(Boolean).length < 2 && !types)
    return { statements: given, resultOf: given.map((_, i) => i) };
  const statements: CompiledQuery[] = [];
  let merged: number | undefined;
  const resultOf = given.map((statement, i) => {
    if (!writes[i]) return statements.push(statement) - 1;
    if (merged === undefined) {
      const all = writes.flatMap((w) => w ?? []);
      if (types && commits && anyFindsRows(all)) statements.push(KEYED_PLANS);
      merged = statements.push(mergeHeldWrites(all, types)) - 1;
    }
    return merged;
  });
  return { statements, resultOf };
}

/** What one member's Kysely transaction sees as its connection. */
class MemberConnection implements PipeliningConnection {
  #began = false;
  #sent = false;
  #finished = false;

  constructor(readonly group: Group) {}

  async executeQuery<R>(query: CompiledQuery): Promise<{ rows: R[] }> {
    const [result] = await this.executePipeline([query]);
    return result as { rows: R[] };
  }

  /**
   * BEGIN and COMMIT are the group's: a member's BEGIN only marks it begun, and its COMMIT marks its
   * last statements. A statement it sends without having begun is its whole work (see
   * write-at-commit.ts), so that one is its last too.
   */
  async executePipeline(queries: readonly CompiledQuery[]): Promise<PipelinedResult[]> {
    let statements = [...queries];
    // Held writes are never BEGIN, and their text is not made until needed (write-at-commit.ts).
    const first = statements[0] && !heldWritesOf(statements[0]) ? statements[0].sql : '';
    const begins = BEGIN.test(first);
    if (!begins && /^start transaction/i.test(first)) {
      throw new Error('a grouped transaction runs at the default isolation level');
    }
    if (begins) {
      this.#began = true;
      statements = statements.slice(1);
    }
    const commits = statements.at(-1) === COMMIT;
    if (commits) statements = statements.slice(0, -1);
    const last = commits || (!this.#began && statements.length > 0);
    if (statements.length > 0) this.#sent = true;
    if (last) this.#finished = true;
    if (statements.length === 0 && !last) return queries.map(() => NOTHING);
    const results = await this.group.send(this, statements, last);
    return [...(begins ? [NOTHING] : []), ...results, ...(commits ? [COMMITTED] : [])];
  }

  async commit(): Promise<void> {
    this.#finished = true;
    await this.group.send(this, [], true);
  }

  async rollback(reason: unknown): Promise<void> {
    this.#finished = true;
    if (this.#sent) await this.group.abort(this, reason);
    else this.group.leave(this);
  }

  async release(): Promise<void> {
    if (this.#finished) return;
    // Neither committed nor rolled back: it can only have sent nothing (Kysely ends what it began).
    if (this.#sent) await this.group.abort(this, new Error('a member left its transaction open'));
    else this.group.leave(this);
  }

  // biome-ignore lint/correctness/useYield: a group member runs whole statements only.
  async *streamQuery<R>(): AsyncIterableIterator<{ rows: R[] }> {
    throw new Error('streaming queries are not supported in a grouped transaction');
  }
}

/** The driver of one group's Kysely: each transaction it begins is a member of the group. */
class MemberDriver extends PipeliningDriver {
  constructor(private readonly group: Group) {
    super();
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<MemberConnection> {
    return this.group.join();
  }

  override async beginTransaction(): Promise<void> {}

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as MemberConnection).commit();
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as MemberConnection).rollback(new Error('a member of the group rolled back'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await (connection as MemberConnection).release();
  }

  async destroy(): Promise<void> {}
}
