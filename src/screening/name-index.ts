import { adjustForAttributes, compareNames, MATCH_THRESHOLD, tokenMemo } from './match.js';
import { type NormalizedName, normalizeName } from './normalize.js';
import type { ScreeningHit, ScreeningQuery } from './port.js';

/** A watchlist entry as the index holds it: what a hit reports, and every name it goes by. */
export interface IndexedEntry {
  entryId: string;
  entryVersion: string;
  list: ScreeningHit['list'];
  kind: 'person' | 'organisation';
  primaryName: string;
  /** The primary name, aliases and original-script names: each counts like a name. */
  names: string[];
  birthDates: string[];
  nationalities: string[];
}

export interface IndexSearchOptions {
  threshold?: number;
  /** At most this many candidates are scored (the ones sharing most tokens with the query first). */
  maxCandidates?: number;
}

interface IndexedName {
  entry: number;
  name: NormalizedName;
}

/** Deletion neighbours of a skeleton: a consonant more in the query than in the list is still found. */
function queryKeys(skeleton: string): string[] {
  const keys = [skeleton];
  // Shorter skeletons would lose too much: two consonants are shared by thousands of names.
  if (skeleton.length >= 4) {
    for (let i = 0; i < skeleton.length; i++) keys.push(skeleton.slice(0, i) + skeleton.slice(i + 1));
  }
  return keys;
}

/** The blocking keys of a normalized name: the skeleton of each token and of its other readings. */
function nameKeys(name: NormalizedName): string[][] {
  return name.tokens.filter((t) => !t.initial).map((t) => t.forms.map((f) => f.skeleton));
}

/**
 * The in-memory name index: every name of every entry, normalized once, reachable through the
 * consonant skeletons of its tokens. A search gathers the names sharing skeletons with the query
 * (blocking), then scores only those.
 */
export class NameIndex {
  private entries: (IndexedEntry | undefined)[] = [];
  private slotOf = new Map<string, number>();
  private names: (IndexedName | undefined)[] = [];
  private namesOfEntry: number[][] = [];
  private postings = new Map<string, number[]>();
  private counts = new Uint8Array(0);
  private lastToken = new Int32Array(0);
  private distinctive = new Uint8Array(0);
  private liveEntries = 0;

  get size(): number {
    return this.liveEntries;
  }

  get nameCount(): number {
    return this.names.length;
  }

  has(entryId: string): boolean {
    return this.slotOf.has(entryId);
  }

  get(entryId: string): IndexedEntry | undefined {
    const slot = this.slotOf.get(entryId);
    return slot === undefined ? undefined : this.entries[slot];
  }

  /** Adds an entry, or replaces the one with the same id. */
  upsert(entry: IndexedEntry): void {
    this.remove(entry.entryId);
    const slot = this.entries.length;
    this.entries.push(entry);
    this.slotOf.set(entry.entryId, slot);
    this.liveEntries++;
    const own: number[] = [];
    for (const text of new Set(entry.names)) {
      const name = normalizeName(text);
      if (name.tokens.length === 0) continue;
      const id = this.names.length;
      this.names.push({ entry: slot, name });
      own.push(id);
      for (const keys of nameKeys(name)) {
        for (const key of new Set(keys)) {
          const list = this.postings.get(key);
          if (list) list.push(id);
          else this.postings.set(key, [id]);
        }
      }
    }
    this.namesOfEntry[slot] = own;
  }

  /** Forgets an entry; its names stay in the posting lists as tombstones, skipped by searches. */
  remove(entryId: string): void {
    const slot = this.slotOf.get(entryId);
    if (slot === undefined) return;
    for (const id of this.namesOfEntry[slot] ?? []) this.names[id] = undefined;
    this.entries[slot] = undefined;
    this.namesOfEntry[slot] = [];
    this.slotOf.delete(entryId);
    this.liveEntries--;
  }

  /** Ranked hits for a query, best first, each with the name that matched and why. */
  search(query: ScreeningQuery, options: IndexSearchOptions = {}): ScreeningHit[] {
    const maxCandidates = options.maxCandidates ?? 1500;
    return this.rank(query, options, (normalized) => this.candidates(normalized, maxCandidates));
  }

  /** The same search without blocking: every name is scored (the baseline, and the oracle in tests). */
  scan(query: ScreeningQuery, options: IndexSearchOptions = {}): ScreeningHit[] {
    return this.rank(query, options, () => this.names.keys());
  }

  private rank(
    query: ScreeningQuery,
    options: IndexSearchOptions,
    candidatesOf: (name: NormalizedName) => Iterable<number>,
  ): ScreeningHit[] {
    const threshold = options.threshold ?? MATCH_THRESHOLD;
    const limit = query.limit ?? 10;
    const queries = [query.name, query.alternateName]
      .filter((n): n is string => typeof n === 'string' && n.trim() !== '')
      .map(normalizeName)
      .filter((n) => n.tokens.length > 0);
    const best = new Map<number, ScreeningHit & { rank: number }>();
    for (const normalized of queries) {
      const memo = tokenMemo(normalized);
      for (const id of candidatesOf(normalized)) {
        const indexed = this.names[id];
        if (!indexed) continue;
        const entry = this.entries[indexed.entry]!;
        if (query.kind && entry.kind !== query.kind) continue;
        const quick = compareNames(normalized, indexed.name, false, memo);
        if (quick.score < threshold - 0.1) continue;
        const adjusted = adjustForAttributes(quick.score, query, entry);
        if (adjusted.score < threshold) continue;
        const previous = best.get(indexed.entry);
        if (previous && previous.rank >= adjusted.score) continue;
        const names = compareNames(normalized, indexed.name);
        best.set(indexed.entry, {
          rank: adjusted.score,
          entryId: entry.entryId,
          entryVersion: entry.entryVersion,
          list: entry.list,
          name: entry.primaryName,
          matchedName: indexed.name.original,
          score: Math.round(adjusted.score * 1000) / 1000,
          explanation: [
            ...(indexed.name.original === entry.primaryName
              ? []
              : [`matched alias "${indexed.name.original}"`]),
            ...names.explanation,
            ...(indexed.name.particles.length + normalized.particles.length > 0
              ? [
                  `particles ignored: ${[...new Set([...normalized.particles, ...indexed.name.particles])].join(', ')}`,
                ]
              : []),
            ...adjusted.explanation,
          ],
        });
      }
    }
    return [...best.values()]
      .sort((a, b) => b.rank - a.rank || a.entryId.localeCompare(b.entryId))
      .slice(0, limit)
      .map(({ rank: _rank, ...hit }) => hit);
  }

  /**
   * Names sharing the skeletons of at least two query tokens (one when the query has one), one of them
   * a distinctive token when the query has any (sharing "Mohamed" and "Ali" alone says little), most
   * shared first. Counting runs over flat arrays: a common name's posting list is long, walked once.
   */
  private candidates(query: NormalizedName, max: number): number[] {
    if (this.counts.length < this.names.length) {
      this.counts = new Uint8Array(Math.max(1024, this.names.length * 2));
      this.lastToken = new Int32Array(this.counts.length).fill(-1);
      this.distinctive = new Uint8Array(this.counts.length);
    }
    const tokens = query.tokens.filter((t) => !t.initial);
    if (tokens.length === 0) return [];
    const anyDistinctive = tokens.some((t) => t.weight >= 1);
    const needed = anyDistinctive ? Math.min(2, tokens.length) : tokens.length;
    const touched: number[] = [];
    tokens.forEach((token, position) => {
      // A known name is already canonical: its spelling slips are in the dictionary, not one consonant away.
      const keys = new Set(token.forms.flatMap((f) => (f.known ? [f.skeleton] : queryKeys(f.skeleton))));
      const isDistinctive = token.weight >= 1 ? 1 : 0;
      for (const key of keys) {
        for (const id of this.postings.get(key) ?? []) {
          if (this.lastToken[id] === position) continue;
          if (this.lastToken[id] === -1) touched.push(id);
          this.lastToken[id] = position;
          this.counts[id]!++;
          this.distinctive[id]! |= isDistinctive;
        }
      }
    });
    const byCount: number[][] = [];
    for (const id of touched) {
      const count = this.counts[id]!;
      if (count >= needed && (this.distinctive[id] || !anyDistinctive)) {
        byCount[count] ??= [];
        byCount[count].push(id);
      }
      this.counts[id] = 0;
      this.lastToken[id] = -1;
      this.distinctive[id] = 0;
    }
    const out: number[] = [];
    for (let count = byCount.length - 1; count >= needed && out.length < max; count--) {
      for (const id of byCount[count] ?? []) {
        out.push(id);
        if (out.length >= max) break;
      }
    }
    return out;
  }
}
