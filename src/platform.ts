import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import formbody from '@fastify/formbody';
import { type AuditLog, createAuditLog } from './audit/service.js';
import { type AuthService, createAuthService } from './auth/service.js';
import { cmiRoutes } from './cmi/routes.js';
import { type CmiService, createCmiService } from './cmi/service.js';
import { consoleRoutes } from './console/routes.js';
import { type Clock, systemClock } from './core/clock.js';
import { type Config, publicUrl } from './core/config.js';
import type { Logger } from './core/logger.js';
import { healthRoutes } from './http/health.js';
import { type App, createServer } from './http/server.js';
import { type AccessControlServer, createAccessControlServer } from './issuer/acs.js';
import { createIssuerService, type IssuerService } from './issuer/service.js';
import { createLedgerService, type LedgerService } from './ledger/service.js';
import { merchantAuthentication } from './merchants/auth.js';
import { createMerchantService, type MerchantService } from './merchants/service.js';
import { createReturnSigner } from './payments/checkout/return-token.js';
import { checkoutRoutes } from './payments/checkout/routes.js';
import { createEventLog, type EventLog } from './payments/events.js';
import { paymentRoutes } from './payments/routes.js';
import { createPaymentService, type PaymentService } from './payments/service.js';
import { createWebhookService, type WebhookService } from './payments/webhooks.js';
import { migrate } from './store/migrations.js';
import { createOutboxWorker, type OutboxWorker } from './store/outbox.js';
import { createStore, type SharedStore } from './store/store.js';
import { createSwitchService, type SwitchService } from './switch/service.js';
import { type Keyring, keyringFromKeys, loadKeyring } from './vault/keyring.js';
import { createVaultService, type VaultService } from './vault/service.js';
import { assetRoutes } from './web/assets.js';

export interface Services {
  ledger: LedgerService;
  vault: VaultService;
  merchants: MerchantService;
  issuer: IssuerService;
  acs: AccessControlServer;
  switch: SwitchService;
  events: EventLog;
  payments: PaymentService;
  webhooks: WebhookService;
  cmi: CmiService;
  audit: AuditLog;
  auth: AuthService;
}

/** Everything one Tijara process runs: the store, the module services, the HTTP server and the workers. */
export interface Platform {
  config: Config;
  logger: Logger;
  store: SharedStore;
  services: Services;
  server: App;
  outbox: OutboxWorker;
  /** Where people reach this process (known once it listens). */
  baseUrl(): string;
  /** Starts the workers (when configured) and listens; resolves with the bound port. */
  listen(): Promise<number>;
  /** Drains in-flight requests, stops the workers, closes the database; safe to call twice. */
  stop(): Promise<void>;
}

export interface PlatformOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Apply pending migrations first (true for `start`; the readiness check reports any left). */
  migrate?: boolean;
}

export function openStore(config: Pick<Config, 'databaseUrl' | 'dataDir'>): SharedStore {
  return createStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
}

/**
 * The vault's master key from configuration. An embedded database gets a key file beside its data
 * folder on first start (so `npm start` needs no setup); an in-memory one, a key that dies with it.
 */
export function keyringFor(config: Config): Keyring {
  const configured = config.masterKey ?? config.masterKeyFile;
  if (!configured && !config.databaseUrl && config.dataDir === 'memory')
    return keyringFromKeys(randomBytes(32));
  return loadKeyring({
    ...(config.masterKey ? { masterKey: config.masterKey } : {}),
    ...(config.masterKeyFile ? { masterKeyFile: config.masterKeyFile } : {}),
    ...(config.previousMasterKey ? { previousMasterKey: config.previousMasterKey } : {}),
    ...(config.databaseUrl ? {} : { devKeyFile: join(dirname(config.dataDir), 'master.key') }),
  });
}

export function createServices(deps: {
  store: SharedStore;
  config: Config;
  keyring: Keyring;
  logger: Logger;
  clock: Clock;
  baseUrl: () => string;
}): Services {
  const { store, logger, clock } = deps;
  const ledger = createLedgerService({ store });
  const vault = createVaultService({ store, keyring: deps.keyring });
  const merchants = createMerchantService({ store });
  const issuer = createIssuerService({
    store,
    ledger,
    clock,
    fingerprint: (pan, db) => vault.fingerprint(pan, db),
  });
  const switchService = createSwitchService({
    store,
    issuer,
    clock,
    logger: logger.child({ module: 'switch' }),
  });
  const events = createEventLog({ store });
  const payPageUrl = (id: string) => `${deps.baseUrl()}/pay/${id}`;
  const payments = createPaymentService({
    store,
    ledger,
    vault,
    switch: switchService,
    merchants,
    events,
    clock,
    payPageUrl,
  });
  const webhooks = createWebhookService({
    store,
    vault,
    clock,
    logger: logger.child({ module: 'webhooks' }),
    retryBaseMs: deps.config.webhookRetryBaseMs,
  });
  const cmi = createCmiService({
    store,
    vault,
    payments,
    merchants,
    logger: logger.child({ module: 'cmi' }),
    clock,
    baseUrl: deps.baseUrl,
    retryBaseMs: deps.config.webhookRetryBaseMs,
  });
  const acs = createAccessControlServer({ store, clock, logger: logger.child({ module: 'acs' }) });
  const audit = createAuditLog({ store, clock });
  const auth = createAuthService({
    store,
    clock,
    seal: (secret, db) => vault.sealSecret(secret, db),
    open: (sealed, db) => vault.openSecret(sealed, db),
  });
  return {
    auth,
    ledger,
    vault,
    merchants,
    issuer,
    acs,
    switch: switchService,
    events,
    payments,
    webhooks,
    cmi,
    audit,
  };
}

export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  // Settle the master key before touching the database: a missing key is a configuration error.
  const keyring = keyringFor(config);
  const store = openStore(config);
  if (options.migrate ?? true) {
    await migrate(store, undefined, (name) => logger.info({ migration: name }, 'migration applied'));
  }
  let boundPort: number | undefined;
  const baseUrl = () => publicUrl(config, boundPort);
  const services = createServices({ store, config, keyring, logger, clock, baseUrl });
  await services.switch.reload();

  const outbox = createOutboxWorker({
    store,
    handlers: [
      ...services.switch.outboxHandlers,
      ...services.webhooks.outboxHandlers,
      ...services.cmi.outboxHandlers,
    ],
    logger: logger.child({ worker: 'outbox' }),
  });

  const server = await createServer({ logger });
  await server.register(formbody);
  await server.register(healthRoutes(store));
  await server.register(assetRoutes());
  await server.register(
    paymentRoutes({
      store,
      ledger: services.ledger,
      payments: services.payments,
      events: services.events,
      webhooks: services.webhooks,
      authenticate: merchantAuthentication(services.merchants) as never,
      payPageUrl: (id) => `${baseUrl()}/pay/${id}`,
    }),
  );

  await server.register(
    checkoutRoutes({
      demo: config.demo,
      store,
      returnSigner: createReturnSigner({ store, vault: services.vault }),
      payments: services.payments,
      merchants: services.merchants,
      switch: services.switch,
      acs: services.acs,
    }),
  );
  await server.register(
    cmiRoutes({
      store,
      vault: services.vault,
      payments: services.payments,
      merchants: services.merchants,
      logger,
      clock,
      baseUrl,
      retryBaseMs: config.webhookRetryBaseMs,
      cmi: services.cmi,
      demo: config.demo,
    }),
  );

  await server.register(
    consoleRoutes({
      store,
      auth: services.auth,
      payments: services.payments,
      issuer: services.issuer,
      audit: services.audit,
    }),
  );

  let stopping: Promise<void> | undefined;
  return {
    config,
    logger,
    store,
    services,
    server,
    outbox,
    baseUrl,
    async listen() {
      if (config.workers) outbox.start();
      await server.listen({ port: config.port, host: config.host });
      const address = server.server.address();
      boundPort = typeof address === 'object' && address ? address.port : config.port;
      return boundPort;
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
