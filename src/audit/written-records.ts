import type { PendingRow } from './model.js';

/** A pending record and the canonical JSON of its details, the text its hash covers. */
export interface PendingRecord {
  row: PendingRow;
  details: string;
}

// A seal pass takes about a second's records; this many are minutes of them at the benchmark's rate,
// and a few megabytes. Past it the oldest are dropped: the sealer then reads those back instead.
const MAX_REMEMBERED = 20_000;

/**
 * The pending audit records this process wrote, as the database will give them back, so that the
 * sealer hashes them without reading every row back (most of a seal's cost in the server). What
 * another process wrote, or a record dropped from here, is read from audit_pending as before. A record
 * whose transaction rolled back is never sealed and ages out. Rows are immutable once written
 * (audit_pending refuses updates), so a remembered row is the committed one.
 */
export class WrittenRecords {
  readonly #records = new Map<string, PendingRecord>();

  remember(record: PendingRecord): void {
    const { row } = record;
    // A text the driver cannot send as it is (a lone UTF-16 surrogate becomes U+FFFD on the way)
    // would be stored other than remembered: such a record is read back instead.
    if (!textsAreWellFormed(row)) return;
    this.#records.set(row.id, record);
    if (this.#records.size > MAX_REMEMBERED) {
      const oldest = this.#records.keys().next().value as string;
      this.#records.delete(oldest);
    }
  }

  get(id: string): PendingRecord | undefined {
    return this.#records.get(id);
  }

  has(id: string): boolean {
    return this.#records.has(id);
  }

  forget(ids: readonly string[]): void {
    for (const id of ids) this.#records.delete(id);
  }
}

function textsAreWellFormed(row: PendingRow): boolean {
  for (const value of Object.values(row)) {
    if (typeof value === 'string' && !(value as string & { isWellFormed(): boolean }).isWellFormed())
      return false;
  }
  return true;
}
