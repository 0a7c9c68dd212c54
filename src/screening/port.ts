/**
 * What other modules (merchant onboarding, the screening API) ask of screening. Kept apart from the
 * implementation so a caller depends on this small contract only.
 */

/** A person or a company to screen: the name as given, in Latin and/or Arabic script. */
export interface ScreeningQuery {
  name: string;
  /** The same name in the other script, where it was given (e.g. Arabic on a CIN). */
  alternateName?: string | null;
  kind?: 'person' | 'organisation';
  /** ISO 8601 date (YYYY-MM-DD). */
  birthDate?: string | null;
  /** ISO 3166-1 alpha-2. */
  nationality?: string | null;
  /** At most this many hits (default 10). */
  limit?: number;
}

/** One watchlist entry that resembles the query, with why. */
export interface ScreeningHit {
  /** The list entry (`wle_…`) and its version, so a cleared hit is raised again only when the entry changes. */
  entryId: string;
  entryVersion: string;
  list: { id: string; name: string; source: 'un' | 'ofac' | 'opensanctions' | 'national' };
  /** The entry's primary name, and the name or alias of it that matched best. */
  name: string;
  matchedName: string;
  /** 0 to 1; hits below the threshold are not returned. */
  score: number;
  /** Which parts matched and how ("surname AL-QADI ~ القاضي (transliterated)", "birth date equal"). */
  explanation: string[];
}

/** A person or company kept under watch (an approved merchant, its owners), re-screened on list changes. */
export interface ScreeningSubject {
  /** The caller's id for it (e.g. `own_…` for an owner), unique per kind. */
  reference: string;
  kind: 'person' | 'organisation';
  name: string;
  alternateName?: string | null;
  birthDate?: string | null;
  nationality?: string | null;
  /** The merchant it belongs to, so a new hit opens a case on that merchant. */
  merchantId: string;
}

export interface ScreeningPort {
  search(query: ScreeningQuery): Promise<ScreeningHit[]>;
  /** Adds or updates subjects kept under watch (called when a merchant is approved). */
  watch(subjects: ScreeningSubject[]): Promise<void>;
  /** Called with each new hit found by re-screening (list change or schedule). */
  onNewHit(listener: (subject: ScreeningSubject, hit: ScreeningHit) => Promise<void>): void;
}
