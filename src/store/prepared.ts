import { sql } from 'kysely';

// Statements with parameters run as named prepared statements, on PGlite and on PostgreSQL alike:
// the server parses a text once per connection instead of at every execution.

/** Distinct texts prepared per store; past it a new text runs unnamed, so server memory stays bounded. */
const MAX_PREPARED = 1000;

const PLANNED_FOR_ITS_VALUES = '/* planned for its values */';

/**
 * Appended to a statement (`.modifyEnd(plannedForItsValues)`), runs it unnamed, so that it is parsed
 * and planned for its values every time. For a statement whose right plan depends on them and on the
 * table's size: after a prepared statement's fifth run PostgreSQL keeps one generic plan, and one made
 * while the table was nearly empty can scan a whole index for ever after (docs/performance.md).
 */
export const plannedForItsValues = sql.raw(PLANNED_FOR_ITS_VALUES);

/** Gives each SQL text its statement name: the same text keeps its name until it is forgotten. */
export class StatementNames {
  readonly #names = new Map<string, string>();
  #issued = 0;

  /** The name to prepare text under, or '' (the unnamed statement, parsed anew each time) once full or when asked. */
  nameFor(text: string): string {
    if (text.endsWith(PLANNED_FOR_ITS_VALUES)) return '';
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

export function isStaleStatement(error: unknown): boolean {
  return STALE_STATEMENT_SQLSTATES.has((error as { code?: string } | null)?.code ?? '');
}

export interface StaleStatementHandling {
  /** Forgets the statement, so that the next run prepares it afresh (unless run has done so itself). */
  forget?(): void | Promise<void>;
  /** Inside a transaction block the failed statement aborted the transaction: running it again cannot help. */
  inTransaction(): boolean;
}

/** Runs a prepared statement; when the server calls it stale, forgets it and, outside a transaction, runs it once more. */
export async function retryIfStale<T>(run: () => Promise<T>, stale: StaleStatementHandling): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isStaleStatement(error)) throw error;
    await stale.forget?.();
    if (stale.inTransaction()) throw error;
    return run();
  }
}
