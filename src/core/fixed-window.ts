import type { Clock } from './clock.js';

export interface LookupLimits {
  /** Lookups one client may make per window. */
  max: number;
  windowMs: number;
}

export const DEFAULT_LOOKUP_LIMITS: LookupLimits = { max: 30, windowMs: 60_000 };

/**
 * A fixed-window counter per client (its IP address): for bill lookups, enough to make enumerating
 * references hopeless (30 a minute against millions of contract numbers) without bothering a person;
 * for people's requests about their data, enough to keep the form from being used to flood a shop.
 * In memory, per process: behind a load balancer each node counts on its own.
 */
export function createLookupLimiter(clock: Clock, limits: LookupLimits = DEFAULT_LOOKUP_LIMITS) {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    /** Counts one lookup; undefined when allowed, else the seconds to wait. */
    take(client: string): number | undefined {
      const now = clock.now().getTime();
      if (windows.size > 100_000) {
        for (const [key, w] of windows) if (now - w.start >= limits.windowMs) windows.delete(key);
      }
      const current = windows.get(client);
      if (!current || now - current.start >= limits.windowMs) {
        windows.set(client, { start: now, count: 1 });
        return undefined;
      }
      if (current.count >= limits.max)
        return Math.max(1, Math.ceil((current.start + limits.windowMs - now) / 1000));
      current.count++;
      return undefined;
    },
    /** Forgets every count (tests, or an operator lifting a block). */
    reset(): void {
      windows.clear();
    },
  };
}

export type LookupLimiter = ReturnType<typeof createLookupLimiter>;
