import type { PendingRow } from './model.js';

/** A pending record and the canonical JSON of its details, the text its hash covers. */
export interface PendingRecord {
  row: PendingRow;
  details: string;
}

export interface WrittenRecordsLimits {
  /** Records kept at most; past it the oldest go. */
  maxRecords: number;
  /** How long a record is kept unsealed before it goes. */
  maxAgeMs: number;
}

// The sealer runs four times a second: a record still here after a minute was sealed by another process (or
// rolled back). 20,000 records are seconds of them at the benchmark's rate, and a few megabytes.
const DEFAULT_LIMITS: WrittenRecordsLimits = { maxRecords: 20_000, maxAgeMs: 60_000 };

/**
 * The pending audit records this process wrote, as the database will give them back, so that the
 * sealer hashes them without reading every row back (most of a seal's cost in the server). What
 * another process wrote, or a record that went from here, is read from audit_pending as before: a
 * record's going costs a read, never a wrong hash. A record whose transaction rolled back is never
 * sealed and ages out. Rows are immutable once written (audit_pending refuses updates), so a
 * remembered row is the committed one.
 */
export class WrittenRecords {
  /** In the order remembered, which is also the order of their times. */
  readonly #records = new Map<string, { record: PendingRecord; at: number }>();

  constructor(
    private readonly limits: WrittenRecordsLimits = DEFAULT_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  remember(record: PendingRecord): void {
    const at = this.now();
    this.#dropOld(at);
    // A text the driver cannot send as it is (a lone UTF-16 surrogate becomes U+FFFD on the way)
    // would be stored other than remembered: such a record is read back instead.
    if (!textsAreWellFormed(record.row)) return;
    this.#records.set(record.row.id, { record, at });
  }

  get(id: string): PendingRecord | undefined {
    return this.#records.get(id)?.record;
  }

  has(id: string): boolean {
    return this.#records.has(id);
  }

  forget(ids: readonly string[]): void {
    for (const id of ids) this.#records.delete(id);
  }

  get size(): number {
    return this.#records.size;
  }

  /** Drops, oldest first, what is too old and what leaves no room for one more. */
  #dropOld(now: number): void {
    for (const [id, { at }] of this.#records) {
      if (this.#records.size < this.limits.maxRecords && now - at <= this.limits.maxAgeMs) return;
      this.#records.delete(id);
    }
  }
}

function textsAreWellFormed(row: PendingRow): boolean {
  for (const value of Object.values(row)) {
    if (typeof value === 'string' && !(value as string & { isWellFormed(): boolean }).isWellFormed())
      return false;
  }
  return true;
}
