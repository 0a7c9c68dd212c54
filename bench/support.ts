import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { Pool } from 'undici';
import { databaseUrl, dropDatabaseWhenFree } from '../test/support/postgres.js';

export const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh PostgreSQL database for one benchmark run, or undefined when none answers. */
export async function freshPostgres(
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `${prefix}_${Date.now().toString(36)}_${process.pid}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: databaseUrl(adminUrl, name),
    drop: () => dropDatabaseWhenFree(adminUrl, name),
  };
}

/** Runs `workers` loops of `op` for `seconds`; returns operations per second and latency percentiles. */
export async function measure(
  workers: number,
  seconds: number,
  op: (worker: number, i: number) => Promise<void>,
) {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        await op(worker, i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { ops: latencies.length, perSecond: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99) };
}

export function table(rows: Record<string, string | number>[]): string {
  const keys = Object.keys(rows[0] ?? {});
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [
    line(keys),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(keys.map((k) => String(r[k])))),
  ].join('\n');
}

// The load generator shares the machine with the server and the database, so it must cost little:
// fetch() cost the client 700–1,100 µs of CPU per payment and capped the HTTP-only ceiling at a fifth
// of what it is; node:http with kept-alive sockets about 150 µs; undici's Pool, one per server, about
// half of node:http's (docs/performance.md).
const pools = new Map<string, Pool>();

/** POSTs a JSON body and resolves with the status and the parsed JSON answer. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const { origin, pathname, search } = new URL(url);
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections: 256 });
    pools.set(origin, pool);
  }
  const answer = await pool.request({
    path: pathname + search,
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: answer.statusCode, body: await answer.body.json() };
}

const CLOCK_TICKS_PER_SECOND = 100; // Linux's USER_HZ (`getconf CLK_TCK`)

/** CPU seconds a process has used (user + system), and with `children` those of its waited-for children. */
export function cpuSeconds(pid: number | 'self', { children = false } = {}): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces) start with state, field 3.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const [utime, stime, cutime, cstime] = fields.slice(11, 15) as [number, number, number, number];
    return (utime + stime + (children ? cutime + cstime : 0)) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0; // gone, or not Linux
  }
}

/** CPU seconds used so far by every PostgreSQL process on this machine: backends, ended or not, and background workers. */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // With children: the postmaster's count includes the backends that have already exited.
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        total += cpuSeconds(Number(entry), { children: true });
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}
