import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { tijaraBin } from '../../test/support/process.js';
import { DataDirInUse, lockDataDir, lockFileOf } from './data-dir-lock.js';
import { createStore } from './store.js';

const freshDataDir = () => join(mkdtempSync(join(tmpdir(), 'tijara-lock-')), 'data');

const migrateIn = (dataDir: string) =>
  spawnSync(process.execPath, [tijaraBin, 'migrate'], {
    env: { ...process.env, NODE_OPTIONS: '', TIJARA_DATA_DIR: dataDir },
    encoding: 'utf8',
  });

/** The pid of a process that has come and gone: no process has it now (until the system wraps pids). */
const pidOfAnEndedProcess = () => spawnSync(process.execPath, ['-e', '']).pid;

const writeLock = (dataDir: string, holder: Record<string, unknown>) =>
  writeFileSync(lockFileOf(dataDir), JSON.stringify(holder));

describe("PGlite's data folder, one process at a time", { timeout: 180_000 }, () => {
  // test/server.db.test.ts runs a command beside a real `tijara start`; here the holder is only a store.
  test('a command beside a process holding the folder is refused in one line, and runs once that one is killed', async () => {
    const dataDir = freshDataDir();
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { createStore } = await import(${JSON.stringify(new URL('./store.js', import.meta.url).href)});
         const { sql } = await import('kysely');
         await sql\`select 1\`.execute(createStore({ dataDir: ${JSON.stringify(dataDir)} }).db);
         console.log('open');
         setInterval(() => {}, 1000);`,
      ],
      { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (chunk) => String(chunk).includes('open') && resolve());
        holder.on('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
      });
      const refused = migrateIn(dataDir);
      assert.equal(refused.status, 1, refused.stderr);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`open in process ${holder.pid} `));
      assert.match(refused.stderr, /stop that one first, or use PostgreSQL \(DATABASE_URL\)/);
    } finally {
      // A kill -9 leaves its lock behind, naming a process that is gone: the next one takes it over.
      holder.kill('SIGKILL');
      await exited;
    }
    assert.ok(existsSync(lockFileOf(dataDir)));
    const after = migrateIn(dataDir);
    assert.equal(after.status, 0, after.stderr);
    assert.match(after.stdout, /migration\(s\) applied/);
    assert.equal(existsSync(lockFileOf(dataDir)), false, 'released when the command closed its store');
  });

  test('a second store on a folder this process has open is refused; closing the first frees it', async () => {
    const dataDir = freshDataDir();
    const store = createStore({ dataDir });
    await sql`select 1`.execute(store.db);
    assert.throws(() => createStore({ dataDir }), DataDirInUse);
    await store.close();
    assert.equal(existsSync(lockFileOf(dataDir)), false);
    const again = createStore({ dataDir });
    try {
      assert.equal((await sql<{ one: number }>`select 1 as one`.execute(again.db)).rows[0]?.one, 1);
    } finally {
      await again.close();
    }
  });

  test("a lock is taken over when its process is gone or is an earlier life of this one's pid", () => {
    for (const pid of [pidOfAnEndedProcess(), process.pid, -42]) {
      const dataDir = freshDataDir();
      writeLock(dataDir, { pid, host: hostname(), since: '2026-12-01T00:00:00Z', command: 'x' });
      const release = lockDataDir(dataDir);
      assert.equal(JSON.parse(readFileSync(lockFileOf(dataDir), 'utf8')).pid, process.pid, String(pid));
      release();
      assert.equal(existsSync(lockFileOf(dataDir)), false);
    }
    // Unreadable, and old: a torn write of a process long gone.
    const torn = freshDataDir();
    writeFileSync(lockFileOf(torn), '{"pi');
    const old = new Date(Date.now() - 60_000);
    spawnSync('touch', ['-d', old.toISOString(), lockFileOf(torn)]);
    lockDataDir(torn)();
  });

  test('a lock is kept when its process lives, runs on another machine, or is being written right now', () => {
    const parentPid = process.ppid;
    const cases: [string, Record<string, unknown> | string, RegExp][] = [
      [
        'alive',
        { pid: 1, host: hostname(), since: 'then', command: 'tijara start' },
        /open in process 1 \(tijara start, since then\)/,
      ],
      [
        'elsewhere',
        { pid: parentPid, host: 'another-host', since: 'then', command: 'tijara start' },
        new RegExp(`process ${parentPid} on another-host .*delete .*data\\.lock`),
      ],
      ['being written', '', /being opened by another process at the same moment/],
    ];
    for (const [name, holder, message] of cases) {
      const dataDir = freshDataDir();
      if (typeof holder === 'string') writeFileSync(lockFileOf(dataDir), holder);
      else writeLock(dataDir, holder);
      const before = readFileSync(lockFileOf(dataDir), 'utf8');
      assert.throws(
        () => lockDataDir(dataDir),
        (error) => error instanceof DataDirInUse && message.test(error.message),
        name,
      );
      assert.equal(readFileSync(lockFileOf(dataDir), 'utf8'), before, `${name}: left as it was`);
    }
  });

  test("releasing removes only this process's own lock", () => {
    const dataDir = freshDataDir();
    const release = lockDataDir(dataDir);
    // Removed by hand and taken by another process meanwhile: theirs now.
    writeLock(dataDir, { pid: 1, host: hostname(), since: 'later', command: 'other' });
    release();
    assert.equal(JSON.parse(readFileSync(lockFileOf(dataDir), 'utf8')).command, 'other');
  });
});
