import type { Config } from './core/config.js';
import type { Logger } from './core/logger.js';
import { healthRoutes } from './http/health.js';
import { type App, createServer } from './http/server.js';
import { createLedgerService, type LedgerService } from './ledger/service.js';
import { migrate } from './store/migrations.js';
import { createOutboxWorker, type OutboxHandler, type OutboxWorker } from './store/outbox.js';
import { createStore, type SharedStore } from './store/store.js';

export interface Services {
  ledger: LedgerService;
}

/** Everything one Tijara process runs: the store, the module services, the HTTP server and the workers. */
export interface Platform {
  config: Config;
  logger: Logger;
  store: SharedStore;
  services: Services;
  server: App;
  outbox: OutboxWorker;
  /** Starts the workers (when configured) and listens; resolves with the bound port. */
  listen(): Promise<number>;
  /** Drains in-flight requests, stops the workers, closes the database; safe to call twice. */
  stop(): Promise<void>;
}

export interface PlatformOptions {
  config: Config;
  logger: Logger;
  /** Apply pending migrations first (true for `start`; the readiness check reports any left). */
  migrate?: boolean;
}

export function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir'>): SharedStore {
  return createStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
}

export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const { config, logger } = options;
  const store = openStore(config);
  if (options.migrate ?? true) {
    await migrate(store, undefined, (name) => logger.info({ migration: name }, 'migration applied'));
  }

  const services: Services = {
    ledger: createLedgerService({ store }),
  };

  const outboxHandlers: OutboxHandler[] = [];
  const outbox = createOutboxWorker({
    store,
    handlers: outboxHandlers,
    logger: logger.child({ worker: 'outbox' }),
  });

  const server = await createServer({ logger });
  await server.register(healthRoutes(store));

  let stopping: Promise<void> | undefined;
  return {
    config,
    logger,
    store,
    services,
    server,
    outbox,
    async listen() {
      if (config.workers) outbox.start();
      await server.listen({ port: config.port, host: config.host });
      const address = server.server.address();
      return typeof address === 'object' && address ? address.port : config.port;
    },
    stop() {
      stopping ??= (async () => {
        await server.close();
        await outbox.stop();
        await store.close();
      })();
      return stopping;
    },
  };
}
