/** Rows read and sealed per round by the passes that seal what was stored in clear. */
export const RESEAL_BATCH = 500;

/**
 * Walks a table once in key order, RESEAL_BATCH rows at a time (`fetch` reads those after a key),
 * handing each row to `reseal`; returns how many rows it read. For the one-time passes that seal
 * personal data stored before sealing began.
 */
export async function resealInBatches<Row, Key>(
  start: Key,
  fetch: (after: Key) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
  reseal: (row: Row) => Promise<void>,
): Promise<number> {
  let count = 0;
  for (let after = start; ; ) {
    const rows = await fetch(after);
    for (const row of rows) await reseal(row);
    count += rows.length;
    if (rows.length < RESEAL_BATCH) return count;
    after = keyOf(rows.at(-1)!);
  }
}
