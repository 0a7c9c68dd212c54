/**
 * A first-come first-served lock: whoever holds it keeps it from acquire to release, and the next in
 * line gets it then.
 */
export class FifoLock {
  #held = false;
  #waiting: (() => void)[] = [];

  async acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  }
}
