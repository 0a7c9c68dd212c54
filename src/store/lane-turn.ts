/**
 * Who may hold a lane's connection (group-commit.ts): one group at a time, first come first served;
 * and, where `overlapAt` is set, a second group beside the running one once that second has gathered
 * `overlapAt` members. A group that starts as soon as the previous one commits starts small, and small
 * groups pay their BEGIN, COMMIT and statements over few payments (measured four times, each a loss:
 * docs/performance.md); one that waits for enough members keeps them large, and its locks, its cards
 * and its members' code between the pipelines overlap the running group's commit. Never more than two:
 * a third would only wait on the same ledger shards.
 */
export class LaneTurn {
  #holders = 0;
  /** Groups waiting for the turn, first come first; each says whether it has members enough to overlap. */
  readonly #waiting: { ready: () => boolean; resolve: () => void }[] = [];

  constructor(readonly overlapAt = Number.POSITIVE_INFINITY) {}

  /** Resolves when the caller holds the turn; `members` is how many the waiting group has now. */
  async acquire(members: () => number): Promise<void> {
    const ready = () => members() >= this.overlapAt;
    if (this.#holders === 0 && this.#waiting.length === 0) {
      this.#holders = 1;
      return;
    }
    await new Promise<void>((resolve) => {
      this.#waiting.push({ ready, resolve });
      this.membersChanged();
    });
  }

  /** A waiting group gained a member: the first in line starts beside the running one if it now has enough. */
  membersChanged(): void {
    const next = this.#waiting[0];
    if (next && this.#holders === 1 && next.ready()) this.#admitNext();
  }

  release(): void {
    this.#holders--;
    const next = this.#waiting[0];
    if (next && (this.#holders === 0 || next.ready())) this.#admitNext();
  }

  #admitNext(): void {
    const next = this.#waiting.shift()!;
    this.#holders++;
    next.resolve();
  }
}
