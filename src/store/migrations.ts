import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { packageRoot } from '../core/paths.js';
import type { Store } from './store.js';

/**
 * Each module keeps its plain-SQL migrations in `src/<module>/migrations/NNNN_<what>.sql`;
 * the four-digit prefix orders them across modules (a module's tables may reference an earlier one's).
 */
export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationTables {
  schema_migrations: { name: string; checksum: string; applied_at: Date };
}

const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;
// Any constant will do: it only has to be the same for every Tijara node migrating one database.
const MIGRATION_LOCK_KEY = 7_412_530;

export function loadMigrations(srcDir: string = join(packageRoot, 'src')): Migration[] {
  const migrations: Migration[] = [];
  for (const module of readdirSync(srcDir, { withFileTypes: true })) {
    if (!module.isDirectory()) continue;
    const dir = join(srcDir, module.name, 'migrations');
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      continue;
    }
    for (const file of files.filter((f) => MIGRATION_FILE.test(f))) {
      const text = readFileSync(join(dir, file), 'utf8');
      migrations.push({ name: basename(file, '.sql'), sql: text, checksum: sha256(text) });
    }
  }
  migrations.sort((a, b) => a.name.localeCompare(b.name));
  const seen = new Set<string>();
  for (const m of migrations) {
    const prefix = m.name.slice(0, 4);
    if (seen.has(prefix)) throw new Error(`two migrations share the number ${prefix}`);
    seen.add(prefix);
  }
  return migrations;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function ensureMigrationTable(db: Kysely<MigrationTables>): Promise<void> {
  await sql`create table if not exists schema_migrations (
    name text primary key,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`.execute(db);
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

export async function migrationStatus(
  store: Store<MigrationTables>,
  migrations = loadMigrations(),
): Promise<MigrationStatus> {
  const exists = await sql<{
    present: boolean;
  }>`select to_regclass('schema_migrations') is not null as present`.execute(store.db);
  const appliedRows = exists.rows[0]?.present
    ? await store.db.selectFrom('schema_migrations').select('name').orderBy('name').execute()
    : [];
  const applied = new Set(appliedRows.map((r) => r.name));
  return {
    applied: [...applied],
    pending: migrations.filter((m) => !applied.has(m.name)).map((m) => m.name),
  };
}

/**
 * Applies every pending migration in one transaction under an advisory lock, so several nodes
 * starting together migrate once and a failed migration leaves the schema as it was.
 */
export async function migrate(
  store: Store<MigrationTables>,
  migrations = loadMigrations(),
  onApplied: (name: string) => void = () => {},
): Promise<string[]> {
  await ensureMigrationTable(store.db);
  return store.transaction(async (trx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    const applied = new Map(
      (await trx.selectFrom('schema_migrations').selectAll().execute()).map((r) => [r.name, r.checksum]),
    );
    const done: string[] = [];
    for (const migration of migrations) {
      const checksum = applied.get(migration.name);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(
            `migration ${migration.name} was changed after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      await sql.raw(migration.sql).execute(trx);
      await trx
        .insertInto('schema_migrations')
        .values({ name: migration.name, checksum: migration.checksum, applied_at: new Date() })
        .execute();
      done.push(migration.name);
      onApplied(migration.name);
    }
    return done;
  });
}
