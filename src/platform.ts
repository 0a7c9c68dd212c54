import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import formbody from '@fastify/formbody';
import { type AuditLog, createAuditLog } from './audit/service.js';
import { createOrganisationKeys, type OrganisationKeys } from './auth/org-keys.js';
import { type AuthService, createAuthService } from './auth/service.js';
import { billPageRoutes } from './bills/page-routes.js';
import { billRoutes } from './bills/routes.js';
import { type BillService, createBillService } from './bills/service.js';
import { cmiRoutes } from './cmi/routes.js';
import { type CmiService, createCmiService } from './cmi/service.js';
import { recordConsoleRoutes } from './console/context.js';
import {
  createPasswordResetMail,
  forgottenPasswordPages,
  type PasswordResetMail,
} from './console/forgotten-password.js';
import { createLinkMail, type LinkMail } from './console/link-mail.js';
import { consoleRoutes } from './console/routes.js';
import { type Clock, systemClock } from './core/clock.js';
import { type Config, publicUrl } from './core/config.js';
import type { Logger } from './core/logger.js';
import { repeatEvery } from './core/schedule.js';
import { siteCheckConfigOf } from './core/site-client.js';
import { healthRoutes } from './http/health.js';
import { type App, createServer } from './http/server.js';
import { type AccessControlServer, createAccessControlServer } from './issuer/acs.js';
import { createIssuerService, type IssuerService } from './issuer/service.js';
import { createLedgerService, type LedgerService } from './ledger/service.js';
import { type DemoMailbox, demoMailbox, type Mailer, smtpMailer } from './mail/mailer.js';
import { demoMailRoutes } from './mail/routes.js';
import { merchantAuthentication } from './merchants/auth.js';
import { filesAwaitingReview } from './merchants/onboarding/attention.js';
import { onboardingConsoleRoutes } from './merchants/onboarding/console-routes.js';
import { merchantConsoleGate } from './merchants/onboarding/gate.js';
import { onboardingApiRoutes } from './merchants/onboarding/routes.js';
import { createOnboardingService, type OnboardingService } from './merchants/onboarding/service.js';
import { createMerchantService, type MerchantService } from './merchants/service.js';
import { observatoryPageRoutes } from './observatory/page-routes.js';
import { observatoryRoutes } from './observatory/routes.js';
import { createObservatoryService, type ObservatoryService } from './observatory/service.js';
import { createReturnSigner } from './payments/checkout/return-token.js';
import { checkoutRoutes } from './payments/checkout/routes.js';
import { createEventLog, type EventLog } from './payments/events.js';
import { type KeyLifetime, purgeLapsedKeys } from './payments/idempotency.js';
import { sealStoredPaymentData } from './payments/personal-data.js';
import { paymentRoutes } from './payments/routes.js';
import { createPaymentService, type PaymentService } from './payments/service.js';
import { createWebhookService, type WebhookService } from './payments/webhooks.js';
import { overdueRequests, requestsOfClosedMerchants } from './privacy/attention.js';
import { createRequestConfirmation, type RequestConfirmation } from './privacy/confirmation.js';
import { privacyConsoleRoutes } from './privacy/console-routes.js';
import { officerRoutes } from './privacy/officer-routes.js';
import { registerRoutes } from './privacy/register-routes.js';
import { createRequestNotices, type RequestNotices } from './privacy/request-notice.js';
import { publicRequestRoutes } from './privacy/request-routes.js';
import { privacyRoutes } from './privacy/routes.js';
import { createPrivacyService, type PrivacyService } from './privacy/service.js';
import { openAlerts } from './risk/attention.js';
import { riskConsoleRoutes } from './risk/console-routes.js';
import { riskRoutes } from './risk/routes.js';
import { createRiskService, type RiskService } from './risk/service.js';
import type { ScreeningPort } from './screening/port.js';
import { screeningRoutes } from './screening/routes.js';
import { createScreeningService, type ScreeningService } from './screening/service.js';
import { upkeep } from './store/housekeeping.js';
import { readMeta, writeMeta } from './store/meta.js';
import { migrate } from './store/migrations.js';
import { createOutboxWorker, type OutboxWorker } from './store/outbox.js';
import { createStore, type SharedStore } from './store/store.js';
import type { StatementObserver } from './store/write-at-commit.js';
import { createSwitchService, type SwitchService } from './switch/service.js';
import { type Keyring, keyringFromKeys, loadKeyring } from './vault/keyring.js';
import { personalData } from './vault/personal-data.js';
import { createVaultService, type VaultService } from './vault/service.js';
import { sitesInTrouble } from './watch/attention.js';
import { watchConsoleRoutes } from './watch/console-routes.js';
import { watchRoutes } from './watch/routes.js';
import { createWatchService, type NewSite, type WatchService } from './watch/service.js';
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
  organisationKeys: OrganisationKeys;
  bills: BillService;
  onboarding: OnboardingService;
  screening: ScreeningService;
  observatory: ObservatoryService;
  risk: RiskService;
  watch: WatchService;
  privacy: PrivacyService;
  /** Requests sent on the public form, held until the person confirms them from the mailed link. */
  requestConfirmation: RequestConfirmation;
  /** Mails telling a shop's people (or the officer) that a request sent online arrived. */
  requestNotices: RequestNotices;
  mailer: Mailer;
  /** "Forgot your password?": a reset link mailed to the console account's own address. */
  passwordResetMail: PasswordResetMail;
  linkMail: LinkMail;
  /** The mails kept in memory, when no mail server is set (TIJARA_SMTP_URL). */
  mailbox: DemoMailbox | undefined;
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
  /**
   * Starts the background workers: outbox delivery, re-screening, the observatory's roll-up,
   * transaction monitoring, the expiry of uncaptured holds and of Idempotency-Keys. `listen` does
   * when configured to; `tijara worker` does without listening.
   */
  startWorkers(): void;
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
  /** Watchlist screening for onboarding (until the screening module is wired in here). */
  screening?: ScreeningPort;
  /** Told every statement sent to the database (tests count a request's round trips). */
  onStatement?: StatementObserver;
  /** What an in-memory PGlite starts from (StoreOptions.memoryTemplate): the tests' migrated copy. */
  memoryTemplate?: Blob;
}

export function openStore(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'groupCommit'>>,
  options: {
    onStatement?: StatementObserver | undefined;
    logger?: Logger;
    memoryTemplate?: Blob | undefined;
  } = {},
): SharedStore {
  const { onStatement, logger, memoryTemplate } = options;
  return createStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    memoryTemplate,
    groupCommit: config.groupCommit,
    onStatement,
    // Only its code and message: pg's pool hangs the client, connection settings and all, on the error.
    onConnectionLost: (error) =>
      logger?.warn(
        { code: (error as Error & { code?: string }).code, reason: error.message },
        'PostgreSQL dropped an idle connection; the pool opens another when needed',
      ),
  });
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
  screening?: ScreeningPort;
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
    personal: personalData(vault),
  });
  const switchService = createSwitchService({
    store,
    issuer,
    clock,
    logger: logger.child({ module: 'switch' }),
  });
  const events = createEventLog({ store, personal: personalData(vault) });
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
    captureWindowMs: deps.config.captureWindowDays * 24 * 60 * 60 * 1000,
    logger: logger.child({ module: 'payments' }),
  });
  const webhooks = createWebhookService({
    store,
    vault,
    events,
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
  const acs = createAccessControlServer({
    store,
    clock,
    logger: logger.child({ module: 'acs' }),
    demoInbox: deps.config.demo,
  });
  const audit = createAuditLog({ store, clock });
  const bills = createBillService({
    store,
    ledger,
    vault,
    merchants,
    payments,
    clock,
    logger: logger.child({ module: 'bills' }),
    retryBaseMs: deps.config.webhookRetryBaseMs,
  });
  const auth = createAuthService({
    store,
    clock,
    seal: (secret, db) => vault.sealSecret(secret, db),
    open: (sealed, db) => vault.openSecret(sealed, db),
  });
  const screening = createScreeningService({
    store,
    clock,
    audit,
    vault,
    logger: logger.child({ module: 'screening' }),
  });
  const onboarding = createOnboardingService({
    store,
    merchants,
    audit,
    vault,
    screening: deps.screening ?? screening,
    clock,
    logger: logger.child({ module: 'onboarding' }),
    siteChecks: siteCheckConfigOf(deps.config),
  });
  const observatory = createObservatoryService({
    store,
    payments,
    merchants,
    clock,
    logger: logger.child({ module: 'observatory' }),
  });
  const risk = createRiskService({
    store,
    switch: switchService,
    audit,
    clock,
    logger: logger.child({ module: 'risk' }),
  });
  const privacy = createPrivacyService({
    store,
    personal: personalData(vault),
    payments,
    cmi,
    audit,
    clock,
    answerDays: deps.config.privacyAnswerDays,
    retentionDays: deps.config.personalDataRetentionDays,
    logger: logger.child({ module: 'privacy' }),
  });
  const mailbox = deps.config.smtpUrl
    ? undefined
    : demoMailbox({ clock, logger: logger.child({ module: 'mail' }) });
  const mailer = mailbox ?? smtpMailer({ url: deps.config.smtpUrl!, from: deps.config.mailFrom });
  const linkMail = createLinkMail({ auth, mailer, baseUrl: deps.baseUrl });
  const passwordResetMail = createPasswordResetMail({ store, auth, audit, linkMail, clock });
  const requestNotices = createRequestNotices({
    auth,
    merchants,
    privacy,
    store,
    clock,
    mailer,
    baseUrl: deps.baseUrl,
  });
  const requestConfirmation = createRequestConfirmation({
    store,
    personal: personalData(vault),
    privacy,
    mailer,
    notices: requestNotices,
    clock,
    baseUrl: deps.baseUrl,
  });
  const watch = createWatchService({
    store,
    audit,
    clock,
    network: siteCheckConfigOf(deps.config),
    registeredSites: () => registeredWebSites(merchants, bills),
    logger: logger.child({ module: 'watch' }),
  });
  return {
    privacy,
    requestConfirmation,
    requestNotices,
    mailer,
    passwordResetMail,
    linkMail,
    mailbox,
    watch,
    auth,
    observatory,
    risk,
    organisationKeys: createOrganisationKeys({ store, clock }),
    onboarding,
    screening,
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
    bills,
  };
}

/** The web sites merchants gave, billers' as theirs: what the authority watches without being asked. */
async function registeredWebSites(
  merchants: Pick<MerchantService, 'websites'>,
  bills: Pick<BillService, 'listBillers'>,
): Promise<NewSite[]> {
  const billers = new Set((await bills.listBillers()).map((biller) => biller.merchantId));
  return (await merchants.websites()).map((site) => ({
    url: site.website,
    label: site.name,
    ownerKind: billers.has(site.merchantId) ? 'biller' : 'merchant',
    ownerId: site.merchantId,
  }));
}

export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  // Settle the master key before touching the database: a missing key is a configuration error.
  const keyring = keyringFor(config);
  const store = openStore(config, {
    onStatement: options.onStatement,
    logger,
    memoryTemplate: options.memoryTemplate,
  });
  if (options.migrate ?? true) {
    await migrate(store, undefined, (name) => logger.info({ migration: name }, 'migration applied'));
  }
  let boundPort: number | undefined;
  const baseUrl = () => publicUrl(config, boundPort);
  const services = createServices({
    store,
    config,
    keyring,
    logger,
    clock,
    baseUrl,
    ...(options.screening ? { screening: options.screening } : {}),
  });
  const idempotencyKeys: KeyLifetime = {
    now: () => clock.now(),
    keepMs: config.idempotencyHours * 60 * 60 * 1000,
  };
  await services.switch.reload();
  await services.screening.load();

  const outbox = createOutboxWorker({
    store,
    handlers: [
      ...services.switch.outboxHandlers,
      ...services.webhooks.outboxHandlers,
      ...services.cmi.outboxHandlers,
      ...services.bills.outboxHandlers,
      ...services.onboarding.outboxHandlers,
      ...services.screening.outboxHandlers,
      ...services.requestConfirmation.outboxHandlers,
      ...services.requestNotices.outboxHandlers,
      ...services.linkMail.outboxHandlers,
    ],
    logger: logger.child({ worker: 'outbox' }),
  });

  const server = await createServer({ logger });
  // Before any route: the console's route table then holds every /console page, whoever registers it.
  recordConsoleRoutes(server);
  await server.register(formbody);
  // Suspension closes a merchant's console data at once, whichever module serves the page.
  server.addHook('onRequest', merchantConsoleGate({ auth: services.auth, merchants: services.merchants }));
  await server.register(healthRoutes(store));
  await server.register(assetRoutes());
  await server.register(
    paymentRoutes({
      store,
      vault: services.vault,
      ledger: services.ledger,
      payments: services.payments,
      events: services.events,
      webhooks: services.webhooks,
      authenticate: merchantAuthentication(services.merchants) as never,
      payPageUrl: (id) => `${baseUrl()}/pay/${id}`,
      audit: services.audit,
      idempotencyKeys,
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
  if (services.mailbox) {
    if (config.demo) await server.register(demoMailRoutes(services.mailbox));
    else
      logger.warn(
        'no mail server set (TIJARA_SMTP_URL): mails are kept in memory and nobody receives them (confirmations of privacy requests sent online, password-reset links, notices of new requests)',
      );
  }
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
    billRoutes({
      store,
      bills: services.bills,
      authenticate: merchantAuthentication(services.merchants) as never,
      audit: services.audit,
    }),
  );
  await server.register(billPageRoutes({ bills: services.bills, payments: services.payments, baseUrl }));

  await server.register(forgottenPasswordPages({ reset: services.passwordResetMail, clock }));
  await server.register(
    consoleRoutes({
      store,
      auth: services.auth,
      payments: services.payments,
      issuer: services.issuer,
      audit: services.audit,
      merchants: services.merchants,
      webhooks: services.webhooks,
      events: services.events,
      ledger: services.ledger,
      linkMail: services.linkMail,
      attention: [
        filesAwaitingReview(services.onboarding),
        openAlerts(services.risk),
        sitesInTrouble(services.watch),
        overdueRequests(services.privacy),
        requestsOfClosedMerchants(services.privacy, services.merchants),
      ],
    }),
  );
  await server.register(
    onboardingApiRoutes({
      store,
      vault: services.vault,
      onboarding: services.onboarding,
      authenticate: merchantAuthentication(services.merchants) as never,
      now: () => clock.now(),
      idempotencyKeys,
    }),
  );
  await server.register(
    onboardingConsoleRoutes({
      onboarding: services.onboarding,
      merchants: services.merchants,
      auth: services.auth,
      audit: services.audit,
      now: () => clock.now(),
    }),
  );

  await server.register(
    screeningRoutes({
      screening: services.screening,
      organisationKeys: services.organisationKeys,
    }),
  );

  await server.register(observatoryRoutes({ observatory: services.observatory }));
  await server.register(observatoryPageRoutes(services.observatory));
  await server.register(
    publicRequestRoutes({
      privacy: services.privacy,
      confirmation: services.requestConfirmation,
      merchants: services.merchants,
      clock,
      answerDays: config.privacyAnswerDays,
    }),
  );
  await server.register(
    registerRoutes({
      answerDays: config.privacyAnswerDays,
      retentionDays: config.personalDataRetentionDays,
    }),
  );
  await server.register(riskRoutes({ risk: services.risk, organisationKeys: services.organisationKeys }));
  await server.register(
    riskConsoleRoutes({ risk: services.risk, auth: services.auth, merchants: services.merchants, store }),
  );
  await server.register(
    privacyRoutes({
      privacy: services.privacy,
      merchants: services.merchants,
      store,
      vault: services.vault,
      authenticate: merchantAuthentication(services.merchants),
      organisationKeys: services.organisationKeys,
      idempotencyKeys,
    }),
  );
  const privacyConsole = {
    privacy: services.privacy,
    auth: services.auth,
    store,
    merchants: services.merchants,
    audit: services.audit,
    answerDays: config.privacyAnswerDays,
    now: () => clock.now(),
  };
  await server.register(privacyConsoleRoutes(privacyConsole));
  await server.register(officerRoutes(privacyConsole));
  await server.register(watchRoutes({ watch: services.watch, organisationKeys: services.organisationKeys }));
  await server.register(watchConsoleRoutes({ watch: services.watch, auth: services.auth, store }));

  // What runs beside the requests. Each duty is started at most once and stopped by stop().
  const stops: (() => void | Promise<void>)[] = [];
  /** Runs a duty that counts what it did every `everyMs`, logging the count when there was any, or why it failed. */
  const countedEvery = (everyMs: number, run: () => Promise<number>, log: { done: string; failed: string }) =>
    repeatEvery(everyMs, () =>
      run().then(
        (count) => {
          if (count > 0) logger.info({ count }, log.done);
        },
        (error) => logger.error({ err: error }, log.failed),
      ),
    );
  /** Deletes what has lapsed every `everyMs`. */
  const deleteEvery = (everyMs: number, what: string, run: () => Promise<number>) =>
    countedEvery(everyMs, run, { done: `${what} deleted`, failed: `deleting ${what} failed` });
  let sealingStoredPersonalData: Promise<void> | undefined;
  let dutiesStarted = false;
  let workersStarted = false;
  let stopping: Promise<void> | undefined;

  /** What every process holding the database does, serving requests or not. */
  function startDuties() {
    if (dutiesStarted) return;
    dutiesStarted = true;
    // Audited changes commit their records unchained; every process chains what it (and others) left.
    // Four times a second: smaller seals hold the event loop for less, which four alternating pairs
    // against once a second showed in p99 and throughput (docs/performance.md, "Audit sealing").
    stops.push(
      services.audit.startSealing(250, (error) =>
        logger.error({ err: error }, 'sealing the audit trail failed'),
      ),
    );
    // PGlite has no autovacuum and no checkpointer: without this its tables would never be analyzed,
    // vacuumed nor frozen, and its WAL would grow for as long as it runs.
    if (store.kind === 'pglite')
      stops.push(
        repeatEvery(60 * 1000, () =>
          upkeep(store, (duty, error) => logger.error({ err: error, duty }, "PGlite's upkeep failed")).then(
            (done) => {
              if (done.length > 0) logger.debug({ done }, "PGlite's upkeep done");
            },
          ),
        ),
      );
  }

  function startWorkers() {
    startDuties();
    if (workersStarted) return;
    workersStarted = true;
    outbox.start();
    // Lists change without telling anyone too: a daily pass screens every watched subject again. Every
    // worker looks each hour; the first to look on a new day makes the pass.
    stops.push(services.screening.startScheduledRescreen(60 * 60 * 1000));
    // The observatory's current quarter follows the payments within a quarter of an hour.
    stops.push(services.observatory.startScheduledRollUp(15 * 60 * 1000));
    // Transaction monitoring reads the last minutes of the network's journal each minute.
    stops.push(services.risk.startScheduledScan(60 * 1000));
    // Watched web sites are visited when their interval comes round; due ones are looked for each 30 s.
    stops.push(services.watch.startScheduledChecks(30 * 1000));
    // Customers' e-mails past their retention (when one is set) go within the hour; so do the addresses
    // and browsers of console sessions that ended over a day ago.
    stops.push(services.privacy.startRetention(60 * 60 * 1000));
    stops.push(deleteEvery(60 * 60 * 1000, 'ended console sessions', services.auth.deleteEndedSessions));
    // A week before a person's request about their data falls due, whoever answers it is reminded.
    stops.push(
      countedEvery(60 * 60 * 1000, services.requestNotices.remindDueSoon, {
        done: 'privacy requests due within a week: reminders queued',
        failed: 'queueing reminders of privacy requests failed',
      }),
    );
    // Requests sent online and not confirmed from their mail within its hours go within the hour too.
    stops.push(
      deleteEvery(60 * 60 * 1000, 'unconfirmed privacy requests', services.requestConfirmation.deleteExpired),
    );
    // Holds not captured in time are released within a minute of their deadline.
    stops.push(services.payments.startScheduledExpiry(60 * 1000));
    // Lapsed Idempotency-Keys, and the answers stored with them, go within ten minutes.
    stops.push(
      deleteEvery(10 * 60 * 1000, 'lapsed idempotency keys', () => purgeLapsedKeys(store, idempotencyKeys)),
    );
    sealingStoredPersonalData = sealStoredPersonalDataOnce(store, services, logger).catch((error) =>
      logger.error(
        { err: error },
        'sealing personal data stored in clear failed; the next start tries again',
      ),
    );
  }

  return {
    config,
    logger,
    store,
    services,
    server,
    outbox,
    baseUrl,
    startWorkers,
    async listen() {
      startDuties();
      if (config.workers) startWorkers();
      await server.listen({ port: config.port, host: config.host });
      const address = server.server.address();
      boundPort = typeof address === 'object' && address ? address.port : config.port;
      return boundPort;
    },
    stop() {
      stopping ??= (async () => {
        await server.close();
        // The workers first, then the duties they may leave work for (their audit records).
        for (const stop of stops.toReversed()) await stop();
        await sealingStoredPersonalData;
        await outbox.stop();
        await store.close();
      })();
      return stopping;
    },
  };
}

const PERSONAL_DATA_SEALED = 'personal_data.sealed';

/**
 * Law 09-08: personal data that an earlier version stored in clear (customers' e-mails, CMI buyers'
 * fields, the names on cards, …) is sealed in place, once, in the background, by the workers that start first; the mark in
 * platform_meta is set only when a whole pass is done, so a crash means the next start goes on.
 */
async function sealStoredPersonalDataOnce(store: SharedStore, services: Services, logger: Logger) {
  // v2 adds owners' identity numbers and birth dates, watched people's birth dates and bill references;
  // v3 the names on cards, in the vault and at the built-in issuer. Every pass skips what is sealed already, so a database marked with an earlier
  // version runs the earlier passes again cheaply.
  if ((await readMeta(store.db, PERSONAL_DATA_SEALED)) === 'v3') return;
  const paymentRows = await sealStoredPaymentData(store.db, services.vault);
  const cmiOrders = await services.cmi.sealStoredPersonalData();
  const onboardingOwners = await services.onboarding.sealStoredPersonalData();
  const billRows = await services.bills.sealStoredPersonalData();
  const watchedPeople = await services.screening.sealStoredPersonalData();
  const cardHolderNames =
    (await services.vault.sealStoredHolderNames()) + (await services.issuer.sealStoredHolderNames());
  await writeMeta(store.db, PERSONAL_DATA_SEALED, 'v3');
  logger.info(
    { paymentRows, cmiOrders, onboardingOwners, billRows, watchedPeople, cardHolderNames },
    'personal data stored in clear is sealed',
  );
}
