import pg from 'pg';

/** The URL of database `name` on the server `adminUrl` points at. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.href;
}

/**
 * Drops a database once its connections are gone. pg's pool.end() resolves before its connections
 * have closed, so a forced drop would kill them mid-goodbye and crash their owner: wait instead.
 */
export async function dropDatabaseWhenFree(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 1; attempt <= 100; attempt++) {
      try {
        await admin.query(`drop database if exists ${name}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006') throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`database ${name} is still in use`);
  } finally {
    await admin.end();
  }
}
