import { readFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { exportAuditCommand, verifyAuditCommand } from '../audit/cli.js';
import { importBillsCommand, remittanceCommand } from '../bills/cli.js';
import { systemClock } from '../core/clock.js';
import { type Config, ConfigError, loadConfig, publicUrl, type SettingName } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { siteCheckConfigOf } from '../core/site-client.js';
import { importFiguresCommand, refreshCommand } from '../observatory/cli.js';
import { createPlatform, keyringFor, openStore, type Platform } from '../platform.js';
import { importListCommand, rescreenCommand } from '../screening/cli.js';
import { DataDirInUse } from '../store/data-dir-lock.js';
import { migrate } from '../store/migrations.js';
import { parseRatesCsv } from '../switch/fx.js';
import { saveRates } from '../switch/rates.js';
import { rotateVaultKeys } from '../vault/rotate.js';
import { createVaultService } from '../vault/service.js';
import { checkUrlCommand } from '../watch/cli.js';
import { isSeeded, seedDemoData } from './seed.js';

const EXIT_USAGE = 2;

type Flags = Record<string, string | boolean | undefined>;

/** Maps command-line flags onto settings, so a flag and its environment variable go through one validation. */
function configFrom(flags: Flags): Config {
  const overrides: Partial<Record<SettingName, string>> = {};
  const map: [string, SettingName][] = [
    ['port', 'port'],
    ['host', 'host'],
    ['databaseUrl', 'databaseUrl'],
    ['dataDir', 'dataDir'],
    ['logLevel', 'logLevel'],
    ['publicUrl', 'publicUrl'],
  ];
  for (const [flag, name] of map) {
    const value = flags[flag];
    if (typeof value === 'string') overrides[name] = value;
  }
  // Commander turns --no-workers / --no-seed into workers=false / seed=false, and --seed into seed=true.
  if (flags.workers === false) overrides.workers = 'false';
  if (typeof flags.seed === 'boolean') overrides.seed = String(flags.seed);
  return loadConfig(process.env, overrides);
}

function databaseOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--database-url <url>', 'PostgreSQL URL (env DATABASE_URL); default: embedded PGlite'),
    )
    .addOption(new Option('--data-dir <dir>', 'PGlite data folder (env TIJARA_DATA_DIR)'))
    .addOption(new Option('--log-level <level>', 'log level (env LOG_LEVEL)'));
}

function describeDatabase(config: Config): string {
  if (!config.databaseUrl) return `PGlite at ${config.dataDir}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL at ${url.host}${url.pathname}`;
}

/** Stops cleanly on SIGINT/SIGTERM; a second signal, or a stop that outlasts the timeout, exits at once. */
function stopOnSignal(platform: Platform, timeoutMs: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    platform.logger.info({ signal }, 'stopping: draining requests and workers');
    const timer = setTimeout(() => {
      platform.logger.error('stop timed out; exiting anyway');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    platform.stop().then(
      () => {
        platform.logger.info('stopped');
        process.exit(0);
      },
      (error) => {
        platform.logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

async function start(flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const logger = createLogger(config.logLevel);
  const platform = await createPlatform({ config, logger });
  stopOnSignal(platform, config.shutdownTimeoutMs);
  let seedReport: string[] = [];
  if (config.seed && !(await isSeeded(platform)))
    seedReport = await seedDemoData(platform, { payments: true });
  const port = await platform.listen();
  const base = publicUrl(config, port);
  const lines = [
    '',
    `Tijara is running on ${describeDatabase(config)}`,
    `  API       ${base}/v1`,
    `  Health    ${base}/v1/health`,
    `  OpenAPI   ${base}/v1/openapi.json`,
    ...(seedReport.length > 0 ? ['', 'Demo data loaded:', ...seedReport.map((line) => `  ${line}`)] : []),
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function runMigrate(flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const store = openStore(config);
  try {
    const applied = await migrate(store, undefined, (name) => process.stdout.write(`applied ${name}\n`));
    process.stdout.write(
      applied.length === 0 ? 'schema is current\n' : `${applied.length} migration(s) applied\n`,
    );
  } finally {
    await store.close();
  }
}

async function runSeed(flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const platform = await createPlatform({ config, logger: createLogger(config.logLevel) });
  try {
    const report = await seedDemoData(platform, { payments: true });
    process.stdout.write(`Demo data loaded:\n${report.map((line) => `  ${line}\n`).join('')}`);
  } finally {
    await platform.stop();
  }
}

async function runWorker(flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const logger = createLogger(config.logLevel);
  const platform = await createPlatform({ config: { ...config, workers: true }, logger });
  stopOnSignal(platform, config.shutdownTimeoutMs);
  platform.startWorkers();
  logger.info({ database: describeDatabase(config) }, 'worker running; Ctrl-C to stop');
}

async function runKeysRotate(flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const store = openStore(config);
  try {
    await migrate(store);
    const vault = createVaultService({ store, keyring: keyringFor(config) });
    process.stdout.write(`${await rotateVaultKeys(vault)}\n`);
  } finally {
    await store.close();
  }
}

/** Bill commands run on a platform (migrated, not listening): they use the bills service as the API does. */
async function withPlatform(flags: Flags, fn: (platform: Platform) => Promise<{ exitCode: number }>) {
  const config = configFrom(flags);
  // Logs go to stderr: stdout carries the remittance file.
  const platform = await createPlatform({ config, logger: createLogger(config.logLevel, process.stderr) });
  try {
    process.exitCode = (await fn(platform)).exitCode;
  } finally {
    await platform.stop();
  }
}

async function runBillsImport(file: string, flags: Flags): Promise<void> {
  await withPlatform(flags, (p) =>
    importBillsCommand(p.services, file, String(flags.biller), process.stdout, process.stderr),
  );
}

async function runBillsRemittance(flags: Flags): Promise<void> {
  await withPlatform(flags, (p) =>
    remittanceCommand(
      p.services,
      {
        billerId: String(flags.biller),
        ...(typeof flags.date === 'string' ? { date: flags.date } : {}),
        ...(typeof flags.format === 'string' ? { format: flags.format } : {}),
      },
      process.stdout,
      process.stderr,
    ),
  );
}

async function runObservatoryImport(file: string, flags: Flags): Promise<void> {
  await withPlatform(flags, (p) => importFiguresCommand(p.services, file, process.stdout, process.stderr));
}

async function runObservatoryRefresh(flags: Flags): Promise<void> {
  await withPlatform(flags, (p) =>
    refreshCommand(
      p.services,
      typeof flags.quarter === 'string' ? { quarter: flags.quarter } : {},
      process.stdout,
      process.stderr,
    ),
  );
}

async function runRatesImport(file: string, flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const parsed = parseRatesCsv(await readFile(file, 'utf8'));
  for (const { line, reason } of parsed.rejected)
    process.stderr.write(`${file}:${line}: rejected: ${reason}\n`);
  const store = openStore(config);
  try {
    await migrate(store);
    const saved = await store.transaction((trx) => saveRates(trx, parsed.rates));
    process.stdout.write(`${saved} rate(s) imported, ${parsed.rejected.length} line(s) rejected\n`);
    if (parsed.rejected.length > 0) process.exitCode = 1;
  } finally {
    await store.close();
  }
}

async function runListsImport(file: string, flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const store = openStore(config);
  try {
    await migrate(store);
    const options = {
      format: String(flags.format),
      ...(typeof flags.list === 'string' ? { list: flags.list } : {}),
    };
    const vault = createVaultService({ store, keyring: keyringFor(config) });
    process.exitCode = await importListCommand({ store, clock: systemClock, vault }, file, options, process);
  } finally {
    await store.close();
  }
}

async function runListsRescreen(flags: Flags): Promise<void> {
  const config = configFrom(flags);
  const store = openStore(config);
  try {
    await migrate(store);
    // Re-screening opens the watched people's birth dates, sealed by the vault.
    const vault = createVaultService({ store, keyring: keyringFor(config) });
    await rescreenCommand({ store, clock: systemClock, vault }, process.stdout);
  } finally {
    await store.close();
  }
}

async function runWatchCheck(url: string, flags: Flags): Promise<void> {
  const config = configFrom(flags);
  process.exitCode = await checkUrlCommand(url, siteCheckConfigOf(config), process.stdout, systemClock.now());
}

async function runAuditVerify(flags: Flags): Promise<void> {
  const store = openStore(configFrom(flags));
  try {
    await migrate(store);
    const { exitCode, message } = await verifyAuditCommand(store);
    (exitCode === 0 ? process.stdout : process.stderr).write(`${message}\n`);
    process.exitCode = exitCode;
  } finally {
    await store.close();
  }
}

async function runAuditExport(flags: Flags): Promise<void> {
  const store = openStore(configFrom(flags));
  const range = {
    ...(typeof flags.from === 'string' ? { from: new Date(flags.from) } : {}),
    ...(typeof flags.until === 'string' ? { until: new Date(flags.until) } : {}),
  };
  if (Object.values(range).some((d) => Number.isNaN(d.getTime()))) {
    throw new ConfigError('--from/--until', 'must be dates like 2026-11-01 or 2026-11-01T10:00:00Z');
  }
  try {
    await migrate(store);
    const written = await exportAuditCommand(store, process.stdout, range);
    process.stderr.write(`${written} audit record(s) exported\n`);
  } finally {
    await store.close();
  }
}

export function buildProgram(): Command {
  const program = new Command('tijara')
    .description('Tijara: the open platform for card-based e-commerce in Morocco')
    .showHelpAfterError()
    .exitOverride();

  databaseOptions(
    program
      .command('start')
      .description(
        'migrate, load the demo data into an empty database (PGlite), serve the API and pages, run the workers',
      )
      .addOption(new Option('--port <port>', 'HTTP port (env PORT)'))
      .addOption(new Option('--host <host>', 'address to bind (env HOST)'))
      .addOption(new Option('--public-url <url>', 'address people reach Tijara at (env TIJARA_PUBLIC_URL)'))
      .option('--no-workers', 'do not run background workers in this process (env TIJARA_WORKERS=false)')
      .option(
        '--seed',
        'load the demo data into an empty database, the default on PGlite (env TIJARA_SEED=true)',
      )
      .option('--no-seed', 'do not load the demo data, the default on PostgreSQL (env TIJARA_SEED=false)'),
  ).action(start);

  databaseOptions(
    program.command('migrate').description('apply pending database migrations and exit'),
  ).action(runMigrate);

  databaseOptions(
    program.command('seed').description('load the demo data (idempotent: running it twice changes nothing)'),
  ).action(runSeed);

  databaseOptions(
    program
      .command('worker')
      .description(
        'run the background workers only (webhooks, re-screening, statistics, monitoring, lapsed holds), for scaling out',
      ),
  ).action(runWorker);

  const keys = program.command('keys').description('manage the vault keys that protect card numbers');
  databaseOptions(
    keys
      .command('rotate')
      .description(
        'start a new data key and re-wrap every key under the current master key (set TIJARA_PREVIOUS_MASTER_KEY to the old one)',
      ),
  ).action(runKeysRotate);

  const audit = program.command('audit').description('the tamper-evident audit trail');
  databaseOptions(
    audit
      .command('verify')
      .description('recompute the hash chain; name the first broken record (exit 1) or say it is intact'),
  ).action(runAuditVerify);
  databaseOptions(
    audit
      .command('export')
      .description('write the audit trail as CSV to standard output, for the supervising authority')
      .option('--from <date>', 'first instant included')
      .option('--until <date>', 'first instant excluded'),
  ).action(runAuditExport);

  const bills = program.command('bills').description('bills and taxes: load bills, read remittance files');
  databaseOptions(
    bills
      .command('import <file>')
      .description(
        'load bills from a CSV (external_id, amount, the reference fields, …); rejected lines are listed, running it twice changes nothing',
      )
      .requiredOption('--biller <id>', 'the biller the bills belong to (blr_…)'),
  ).action(runBillsImport);
  databaseOptions(
    bills
      .command('remittance')
      .description("a biller's remittance file for one day (Moroccan calendar), reconciled with the ledger")
      .requiredOption('--biller <id>', 'the biller (blr_…)')
      .option('--date <date>', 'the day, YYYY-MM-DD (default: today in Morocco)')
      .option('--format <format>', 'csv (default) or json'),
  ).action(runBillsRemittance);

  const observatory = program
    .command('observatory')
    .description('quarterly e-commerce statistics, published as open data');
  databaseOptions(
    observatory
      .command('import <file>')
      .description(
        'import a series published before Tijara ran (CSV: quarter,dimension,key,payments,volume_mad[,refunds,refunded_mad,merchants]); one bad line rejects the file',
      ),
  ).action(runObservatoryImport);
  databaseOptions(
    observatory
      .command('refresh')
      .description("add up a quarter's live payments again (the workers do it every 15 minutes)")
      .option('--quarter <quarter>', 'the quarter, e.g. 2026-Q3 (default: this quarter and the one before)'),
  ).action(runObservatoryRefresh);

  const rates = program
    .command('rates')
    .description('reference exchange rates used to convert foreign-currency payments to MAD');
  databaseOptions(
    rates
      .command('import <file>')
      .description(
        'import a CSV of currency,date,mad_per_unit lines (e.g. EUR,2026-11-24,10.8512); rejected lines are listed',
      ),
  ).action(runRatesImport);

  const lists = program
    .command('lists')
    .description('watchlists screened against merchants and their people');
  databaseOptions(
    lists
      .command('import <file>')
      .description(
        'import a list file as a new snapshot (OFAC CSV: sdn.csv, with alt.csv and add.csv beside it); rejected records are listed',
      )
      .requiredOption('--format <format>', 'un, ofac-csv, ofac-xml, opensanctions or national')
      .option('--list <name>', 'the list this file is a version of (default: by format)'),
  ).action(runListsImport);
  databaseOptions(
    lists.command('rescreen').description('screen every watched merchant and person against every list now'),
  ).action(runListsRescreen);

  program
    .command('watch')
    .description("the supervising authority's watch of web sites")
    .command('check <url>')
    .description(
      'visit a site as the watch does and print what it finds (status, TLS, missing headers); records nothing; exit code 0 when up',
    )
    .action(runWatchCheck);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`tijara: ${error.message}\n`);
      process.exit(EXIT_USAGE);
    }
    if (error instanceof DataDirInUse) {
      process.stderr.write(`tijara: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(
      `tijara: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  }
}

await main(process.argv);
