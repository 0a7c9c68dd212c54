/**
 * Runs `task` on the next tick and then every `everyMs`, never two passes at once. The returned stop
 * function clears the timers and waits for a pass under way, so a process stops without cutting one
 * short. `task` handles its own errors.
 */
export function repeatEvery(everyMs: number, task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= task().finally(() => {
      running = undefined;
    });
  };
  const first = setTimeout(run, 0);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    await running;
  };
}
