import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { seedDemoData } from '../../src/cli/seed.js';
import type { Clock } from '../../src/core/clock.js';
import { type Config, loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { createPlatform, type Platform } from '../../src/platform.js';
import type { ScreeningPort } from '../../src/screening/port.js';
import type { StatementObserver } from '../../src/store/write-at-commit.js';
import { pgliteTemplate, seededTemplateKey, testDatabase } from './store.js';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small HTTP client for the API as a merchant sees it. */
export function apiClient(baseUrl: string, secretKey?: string) {
  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(secretKey ? { authorization: `Bearer ${secretKey}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const isJson = /json/.test(response.headers.get('content-type') ?? '');
    return {
      status: response.status,
      headers: response.headers,
      body: (isJson ? JSON.parse(text) : text) as T,
    };
  }
  return {
    get: <T = Record<string, unknown>>(path: string) => call<T>('GET', path),
    post: <T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>('POST', path, body, headers),
    delete: <T = Record<string, unknown>>(path: string) => call<T>('DELETE', path),
  };
}

export type Api = ReturnType<typeof apiClient>;

/**
 * A whole platform on a fresh database (PGlite in memory, or a fresh PostgreSQL database), with the
 * demo data, listening on a free port. Workers are off unless asked: tests run the outbox themselves.
 * `screening` replaces the watchlist screening that onboarding asks (a fixed list in tests).
 */
export async function testPlatform(
  options: {
    clock?: Clock;
    workers?: boolean;
    config?: Partial<Config>;
    screening?: ScreeningPort;
    onStatement?: StatementObserver;
  } = {},
) {
  // Seeding depends on the clock, the screening and the settings; with the defaults the demo data
  // comes with the database, loaded once for the whole run (test/support/seed-for-tests.ts).
  const seededKey = options.clock || options.screening || options.config ? undefined : seededTemplateKey();
  const seeded = seededKey !== undefined;
  const database = await testDatabase({ seeded });
  const config: Config = {
    ...loadConfig({}),
    dataDir: 'memory',
    databaseUrl: database.url,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    workers: options.workers ?? false,
    masterKey: seededKey ?? randomBytes(32).toString('base64'),
    webhookRetryBaseMs: 50,
    ...options.config,
  };
  const platform: Platform = await createPlatform({
    config,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.screening ? { screening: options.screening } : {}),
    ...(options.onStatement ? { onStatement: options.onStatement } : {}),
    memoryTemplate: pgliteTemplate({ seeded }),
  });
  after(async () => {
    await platform.stop();
    await database.drop();
  });
  if (!seeded) await seedDemoData(platform);
  await platform.listen();
  const baseUrl = platform.baseUrl();
  return { platform, baseUrl, api: (secretKey?: string) => apiClient(baseUrl, secretKey) };
}

export const demoKeys = {
  atlas: 'sk_test_AtlasVoyagesDemo0000000000000001',
  marrakech: 'sk_test_MarrakechAutoDemo00000000000002',
  paris: 'sk_test_ParisSejoursDemo0000000000000003',
};

export function card(number: string, expMonth = 12, expYear = 2030) {
  return { number, exp_month: expMonth, exp_year: expYear, cvc: '123' };
}
