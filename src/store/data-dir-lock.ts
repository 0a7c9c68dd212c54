// PGlite runs PostgreSQL inside the process that opens it, and nothing keeps a second process out of
// the same folder: two of them writing (`tijara start`, and `tijara bills import` run beside it)
// corrupt it, and the next open fails with nothing pointing at why (electric-sql/pglite#1106). PGlite's
// own postmaster.pid names a made-up process (-42), so the folder is locked here the way PostgreSQL
// locks its own (CreateLockFile in miscinit.c): a file created exclusively, naming this process; a
// lock whose process is gone (a crash, a kill -9) is taken over. The lock lies beside the folder
// rather than in it, where PGlite's initdb wants an empty one.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Another process holds the folder: nothing was opened. */
export class DataDirInUse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirInUse';
  }
}

interface Holder {
  pid: number;
  host: string;
  since: string;
  command: string;
}

export const lockFileOf = (dataDir: string) => `${dataDir}.lock`;

// The lock files this process holds. A lock naming this process's pid is otherwise taken for an
// earlier life of the pid; one of these is a second store on a folder this process has open.
const heldHere = new Set<string>();

/** Locks `dataDir` for this process, or throws DataDirInUse; returns what releases it. */
export function lockDataDir(dataDir: string): () => void {
  const lockFile = lockFileOf(dataDir);
  if (heldHere.has(lockFile))
    throw new DataDirInUse(`the embedded database at ${dataDir} is already open in this process`);
  const me: Holder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: process.argv.slice(1).join(' '),
  };
  // Twice at most: a stale lock is removed once, then the folder is ours or another starter's.
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      writeFileSync(lockFile, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o600 });
      heldHere.add(lockFile);
      return () => {
        heldHere.delete(lockFile);
        // Only our own: a lock someone removed by hand and another process took is theirs.
        if (sameHolder(readHolder(lockFile), me)) rmSync(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(lockFile);
    if (holder && holds(holder)) throw inUse(dataDir, lockFile, holder);
    // A lock not yet written is another process's, starting at this very moment.
    if (!holder && justCreated(lockFile)) break;
    rmSync(lockFile, { force: true });
  }
  throw new DataDirInUse(
    `the embedded database at ${dataDir} is being opened by another process at the same moment; try again`,
  );
}

function justCreated(lockFile: string): boolean {
  try {
    return Date.now() - statSync(lockFile).mtimeMs < 2_000;
  } catch {
    return false;
  }
}

/** Whether the lock's process may still use the folder. */
function holds(holder: Holder): boolean {
  // Another machine's process (a shared folder) cannot be checked from here.
  if (holder.host !== hostname()) return true;
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  // Our own pid or our parent's: an earlier life of this pid, as after a container restarts.
  if (holder.pid === process.pid || holder.pid === process.ppid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, and someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's holder; undefined when the file is gone or holds no holder (being written, or torn). */
function readHolder(lockFile: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(lockFile, 'utf8')) as Partial<Holder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string'
      ? { pid: holder.pid, host: holder.host, since: String(holder.since), command: String(holder.command) }
      : undefined;
  } catch {
    return undefined;
  }
}

const sameHolder = (a: Holder | undefined, b: Holder) =>
  a !== undefined && a.pid === b.pid && a.host === b.host && a.since === b.since;

function inUse(dataDir: string, lockFile: string, holder: Holder): DataDirInUse {
  const where =
    holder.host === hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
  return new DataDirInUse(
    `the embedded database at ${dataDir} is open in ${where} (${holder.command}, since ${holder.since}). ` +
      'PGlite serves one process at a time: stop that one first, or use PostgreSQL (DATABASE_URL) ' +
      `to run both. If no such process uses it, delete ${lockFile}.`,
  );
}
