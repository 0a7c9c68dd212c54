import { once } from 'node:events';
import { systemClock } from '../core/clock.js';
import type { SharedStore } from '../store/store.js';
import { type AuditExportRange, type ChainVerdict, createAuditLog } from './service.js';

export interface CommandOutcome {
  exitCode: number;
  message: string;
}

/** `tijara audit verify`: one line, exit code 1 when the chain is broken. */
export async function verifyAuditCommand(store: SharedStore): Promise<CommandOutcome> {
  return describeVerdict(await createAuditLog({ store, clock: systemClock }).verify());
}

export function describeVerdict(verdict: ChainVerdict): CommandOutcome {
  if (verdict.ok) return { exitCode: 0, message: `audit trail intact: ${verdict.records} records` };
  const { seq, id, reason } = verdict.brokenAt;
  return { exitCode: 1, message: `audit trail BROKEN at record #${seq} (${id}): ${reason}` };
}

/** `tijara audit export`: writes the CSV to `output` (stdout, a file), heeding backpressure; returns the records written. */
export async function exportAuditCommand(
  store: SharedStore,
  output: NodeJS.WritableStream,
  range: AuditExportRange = {},
): Promise<number> {
  let lines = 0;
  for await (const line of createAuditLog({ store, clock: systemClock }).exportCsv(range)) {
    if (!output.write(line)) await once(output, 'drain');
    lines += 1;
  }
  return lines - 1;
}
