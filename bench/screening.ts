// npm run bench:screening — watchlist screening against a generated list of 1,000,000 names:
// searches/s and latency through the blocking index, against a linear scan of every name (the
// baseline, same scoring, same run); the time to re-screen 10,000 merchants × 3 persons against a
// 1,000-entry list change (PGlite, in memory), against pairwise comparison; precision and recall on the
// labelled evaluation set. Goals (issue 6): p99 ≤ 50 ms per search, re-screening under 60 s.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { sql } from 'kysely';
import { createAuditLog } from '../src/audit/service.js';
import { manualClock } from '../src/core/clock.js';
import { evaluate } from '../src/screening/evaluation/evaluate.js';
import type { ParsedEntry } from '../src/screening/formats/common.js';
import { compareNames } from '../src/screening/match.js';
import { type IndexedEntry, NameIndex } from '../src/screening/name-index.js';
import { normalizeName } from '../src/screening/normalize.js';
import type { ScreeningQuery } from '../src/screening/port.js';
import { createScreeningService } from '../src/screening/service.js';
import { migrate } from '../src/store/migrations.js';
import { createStore } from '../src/store/store.js';
import { keyringFromKeys } from '../src/vault/keyring.js';
import { createVaultService } from '../src/vault/service.js';
import { table } from './support.js';

const NAMES = Number(process.env.BENCH_NAMES ?? 1_000_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 3000);
const MERCHANTS = Number(process.env.BENCH_MERCHANTS ?? 10_000);
const CHANGED = Number(process.env.BENCH_CHANGED ?? 1000);

// A million names and their normalized forms need more than Node's default heap on small machines.
if (getHeapStatistics().heap_size_limit < 6 * 1024 ** 3 && !process.env.BENCH_CHILD) {
  const child = spawnSync(
    process.execPath,
    ['--max-old-space-size=8192', ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, BENCH_CHILD: '1' },
    },
  );
  process.exit(child.status ?? 1);
}

// --- A deterministic generator of Maghrebi-looking names, in Latin and Arabic script ---------------

let seed = 20261124;
function random(): number {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const CONSONANTS = [
  ['b', 'ب'],
  ['d', 'د'],
  ['f', 'ف'],
  ['h', 'ح'],
  ['j', 'ج'],
  ['k', 'ك'],
  ['l', 'ل'],
  ['m', 'م'],
  ['n', 'ن'],
  ['r', 'ر'],
  ['s', 'س'],
  ['t', 'ت'],
  ['z', 'ز'],
  ['ch', 'ش'],
  ['kh', 'خ'],
  ['gh', 'غ'],
  ['q', 'ق'],
] as const;
const VOWELS = [
  ['a', 'ا'],
  ['ou', 'و'],
  ['i', 'ي'],
  ['a', ''],
  ['e', ''],
] as const;
const GIVEN = [
  ['Mohamed', 'محمد'],
  ['Ahmed', 'أحمد'],
  ['Youssef', 'يوسف'],
  ['Fatima', 'فاطمة'],
  ['Khadija', 'خديجة'],
  ['Rachid', 'رشيد'],
  ['Said', 'سعيد'],
  ['Hassan', 'حسن'],
  ['Hussein', 'حسين'],
  ['Omar', 'عمر'],
  ['Karim', 'كريم'],
  ['Nadia', 'نادية'],
  ['Hicham', 'هشام'],
  ['Zineb', 'زينب'],
  ['Meryem', 'مريم'],
  ['Ibrahim', 'إبراهيم'],
  ['Abdelkader', 'عبد القادر'],
  ['Abdellah', 'عبد الله'],
  ['Mustapha', 'مصطفى'],
  ['Khalid', 'خالد'],
  ['Driss', 'إدريس'],
  ['Amina', 'أمينة'],
  ['Samir', 'سمير'],
  ['Leila', 'ليلى'],
  ['Tarik', 'طارق'],
  ['Walid', 'وليد'],
  ['Jamal', 'جمال'],
  ['Aicha', 'عائشة'],
  ['Ismail', 'إسماعيل'],
  ['Yassine', 'ياسين'],
] as const;

/** A surname: two or three consonant-vowel syllables, sometimes with ben-/el- in front. */
function surname(): { latin: string; arabic: string } {
  let latin = '';
  let arabic = '';
  const syllables = 2 + Math.floor(random() * 2);
  for (let i = 0; i < syllables; i++) {
    const [cl, ca] = pick(CONSONANTS);
    const [vl, va] = pick(VOWELS);
    latin += cl + vl;
    arabic += ca + va;
  }
  const [cl, ca] = pick(CONSONANTS);
  latin += cl;
  arabic += ca;
  if (random() < 0.3) {
    latin += 'i';
    arabic += 'ي';
  }
  const prefix = random();
  const title = latin[0]!.toUpperCase() + latin.slice(1);
  if (prefix < 0.15) return { latin: `Ben${latin}`, arabic: `بن${arabic}` };
  if (prefix < 0.3) return { latin: `El ${title}`, arabic: `ال${arabic}` };
  return { latin: title, arabic };
}

function person(): { latin: string; arabic: string } {
  const given = pick(GIVEN);
  const family = surname();
  const second = random() < 0.3 ? pick(GIVEN) : undefined;
  return {
    latin: [given[0], second?.[0], family.latin].filter(Boolean).join(' '),
    arabic: [given[1], second?.[1], family.arabic].filter(Boolean).join(' '),
  };
}

function birthDate(): string {
  const y = 1940 + Math.floor(random() * 60);
  const m = 1 + Math.floor(random() * 12);
  const d = 1 + Math.floor(random() * 28);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A spelling slip a person typing a name makes: a vowel changed, a letter doubled, words swapped. */
function misspell(name: string): string {
  const words = name.split(' ');
  const r = random();
  if (r < 0.3 && words.length > 1) return [...words.slice(1), words[0]].join(' ');
  if (r < 0.6) return name.replace(/ou|a|e|i(?!$)/, (v) => (v === 'ou' ? 'u' : v === 'a' ? 'e' : 'a'));
  return name.replace(/([bdfklmnrst])/, '$1$1');
}

const list = { id: 'wl_bench', name: 'Generated', source: 'national' as const };
function indexedEntry(i: number, name: string, alias?: string): IndexedEntry {
  return {
    entryId: `wle_${i}`,
    entryVersion: '0000000000000000',
    list,
    kind: 'person',
    primaryName: name,
    names: alias ? [name, alias] : [name],
    birthDates: [birthDate()],
    nationalities: ['MA'],
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

function time<T>(fn: () => T): { result: T; ms: number } {
  const t0 = performance.now();
  const result = fn();
  return { result, ms: performance.now() - t0 };
}

// --- 1. Search against 1,000,000 names ------------------------------------------------------------

console.log(`Generating ${NAMES.toLocaleString('en')} names (15% in Arabic script, 5% with an alias)…`);
const generated: { latin: string; arabic: string }[] = [];
const index = new NameIndex();
const build = time(() => {
  for (let i = 0; i < NAMES; i++) {
    const p = person();
    generated.push(p);
    const inArabic = random() < 0.15;
    index.upsert(
      indexedEntry(i, inArabic ? p.arabic : p.latin, random() < 0.05 ? misspell(p.latin) : undefined),
    );
  }
});
console.log(
  `index built in ${(build.ms / 1000).toFixed(1)} s (${index.nameCount.toLocaleString('en')} names)`,
);

const queries: ScreeningQuery[] = [];
for (let i = 0; i < QUERIES; i++) {
  const r = random();
  const listed = generated[Math.floor(random() * generated.length)]!;
  if (r < 0.4) queries.push({ name: misspell(listed.latin) });
  else if (r < 0.5) queries.push({ name: listed.arabic });
  else queries.push({ name: person().latin, birthDate: birthDate() });
}

// Warm-up (JIT), not measured: the first few hundred searches run unoptimized code.
for (let i = 0; i < 300; i++) index.search({ name: person().latin });
const latencies: number[] = [];
let found = 0;
const searchRun = time(() => {
  for (const query of queries) {
    const t0 = performance.now();
    found += index.search(query).length > 0 ? 1 : 0;
    latencies.push(performance.now() - t0);
  }
});
latencies.sort((a, b) => a - b);
const indexedPerSecond = queries.length / (searchRun.ms / 1000);

// Baseline: the same scoring over every name, no blocking (a few queries: each takes seconds).
const scanQueries = queries.slice(0, 2);
const scanRun = time(() => scanQueries.map((q) => index.scan(q)));
const scanMs = scanRun.ms / scanQueries.length;

// What blocking loses: on a 30,000-name index (or all the names, when BENCH_NAMES asks for fewer),
// the hits of search against those of a full scan.
const SMALL = Math.min(30_000, generated.length);
const small = new NameIndex();
for (let i = 0; i < SMALL; i++) {
  const p = generated[i]!;
  small.upsert(indexedEntry(i, random() < 0.15 ? p.arabic : p.latin));
}
let scanHits = 0;
let blockedHits = 0;
for (let i = 0; i < 150; i++) {
  const p = generated[Math.floor(random() * SMALL)]!;
  const query = { name: random() < 0.2 ? p.arabic : misspell(p.latin), limit: 50 };
  const expected = new Set(small.scan(query).map((h) => h.entryId));
  scanHits += expected.size;
  blockedHits += small.search(query).filter((h) => expected.has(h.entryId)).length;
}

console.log('\nSearch (one process, one core):');
console.log(
  table([
    {
      method: 'blocking index',
      names: NAMES.toLocaleString('en'),
      'searches/s': indexedPerSecond.toFixed(0),
      'p50 ms': percentile(latencies, 0.5).toFixed(2),
      'p99 ms': percentile(latencies, 0.99).toFixed(2),
      'max ms': (latencies.at(-1) ?? 0).toFixed(1),
    },
    {
      method: 'linear scan (baseline)',
      names: NAMES.toLocaleString('en'),
      'searches/s': (1000 / scanMs).toFixed(2),
      'p50 ms': scanMs.toFixed(0),
      'p99 ms': '-',
      'max ms': '-',
    },
  ]),
);
console.log(
  `index ${(scanMs / (searchRun.ms / queries.length)).toFixed(0)}× faster than the scan; ` +
    `${found} of ${queries.length} queries had hits; blocking kept ${blockedHits} of the ${scanHits} hits a full scan finds ` +
    `(${((100 * blockedHits) / Math.max(1, scanHits)).toFixed(1)}%, on a ${SMALL.toLocaleString('en')}-name index, 150 queries)`,
);

// --- 2. Re-screening 10,000 merchants × 3 persons against a 1,000-entry change ---------------------

console.log(
  `\nRe-screening ${MERCHANTS.toLocaleString('en')} merchants × 3 persons against ${CHANGED} changed entries (PGlite)…`,
);
const store = createStore({ dataDir: 'memory' });
await migrate(store);
const clock = manualClock(new Date('2026-11-24T10:00:00Z'));
const screening = createScreeningService({
  store,
  clock,
  audit: createAuditLog({ store, clock }),
  vault: createVaultService({ store, keyring: keyringFromKeys(randomBytes(32)) }),
});
let notified = 0;
screening.onNewHit(async () => {
  notified++;
});

const subjects: {
  kind: 'person';
  reference: string;
  merchant_id: string;
  name: string;
  birth_date: string;
}[] = [];
for (let m = 0; m < MERCHANTS; m++) {
  for (let k = 0; k < 3; k++) {
    const p = generated[(m * 3 + k) * 7]!;
    subjects.push({
      kind: 'person',
      reference: `own_${m}_${k}`,
      merchant_id: `mer_${m}`,
      name: p.latin,
      birth_date: birthDate(),
    });
  }
}
for (let i = 0; i < subjects.length; i += 1000) {
  const now = clock.now();
  await sql`insert into screening_subjects (kind, reference, merchant_id, name, birth_date, watched_since, updated_at)
    select * from unnest(${subjects.slice(i, i + 1000).map((s) => s.kind)}::text[], ${subjects.slice(i, i + 1000).map((s) => s.reference)}::text[],
      ${subjects.slice(i, i + 1000).map((s) => s.merchant_id)}::text[], ${subjects.slice(i, i + 1000).map((s) => s.name)}::text[],
      ${subjects.slice(i, i + 1000).map((s) => s.birth_date)}::date[]) as t, (select ${now}::timestamptz, ${now}::timestamptz) as n`.execute(
    store.db,
  );
}

// The change: 1,000 new entries, 30 of which are spellings of watched people.
const entries: ParsedEntry[] = [];
for (let i = 0; i < CHANGED; i++) {
  const name = i < 30 ? misspell(subjects[(i * 997) % subjects.length]!.name) : person().latin;
  entries.push({
    externalId: `CHG-${i}`,
    kind: 'person',
    names: [{ name, type: 'primary' }],
    birthDates: [],
    nationalities: ['MA'],
    programs: [],
  });
}
const imported = await screening.importList({
  listName: 'Change',
  format: 'national',
  parsed: { entries, rejected: [], skipped: 0 },
  raw: 'bench',
});
if (imported instanceof Error) throw imported;
const rescreenStart = performance.now();
const report = await screening.rescreenSnapshot(imported.snapshot.id);
const rescreenMs = performance.now() - rescreenStart;

// Baseline: every subject compared with every changed entry, on 1,000 subjects, scaled to all.
const entryNames = entries.map((e) => normalizeName(e.names[0]!.name));
const sample = subjects.slice(0, 1000).map((s) => normalizeName(s.name));
const pairwise = time(() => {
  let n = 0;
  for (const s of sample) for (const e of entryNames) if (compareNames(s, e).score >= 0.8) n++;
  return n;
});
const pairwiseMs = pairwise.ms * (subjects.length / sample.length);

console.log(
  table([
    {
      method: 'index of the change',
      subjects: subjects.length.toLocaleString('en'),
      entries: CHANGED,
      seconds: (rescreenMs / 1000).toFixed(1),
      'new hits': report.newHits,
      notified,
    },
    {
      method: 'pairwise (baseline, scaled)',
      subjects: subjects.length.toLocaleString('en'),
      entries: CHANGED,
      seconds: (pairwiseMs / 1000).toFixed(1),
      'new hits': '-',
      notified: '-',
    },
  ]),
);
await store.close();

// --- 3. The labelled evaluation set -------------------------------------------------------------

const evaluation = evaluate();
console.log(
  `\nEvaluation set (src/screening/evaluation/pairs.json): ${evaluation.pairs} pairs, ` +
    `precision ${evaluation.precision.toFixed(3)}, recall ${evaluation.recall.toFixed(3)} ` +
    `(${evaluation.truePositives} true hits, ${evaluation.falsePositives} false hits, ${evaluation.falseNegatives} missed)`,
);
console.log(
  `Goals: p99 ≤ 50 ms → ${percentile(latencies, 0.99) <= 50 ? 'met' : 'NOT met'}; re-screening < 60 s → ${rescreenMs < 60_000 ? 'met' : 'NOT met'}; ` +
    `precision ≥ 0.90 and recall ≥ 0.95 → ${evaluation.precision >= 0.9 && evaluation.recall >= 0.95 ? 'met' : 'NOT met'}`,
);
