import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { repeatEvery } from './schedule.js';

test('a repeated task runs at once, never twice at the same time, and stopping waits for the pass under way', async () => {
  let started = 0;
  let running = 0;
  let overlapped = false;
  let finished = 0;
  const stop = repeatEvery(5, async () => {
    started += 1;
    running += 1;
    overlapped ||= running > 1;
    await sleep(30);
    running -= 1;
    finished += 1;
  });
  await sleep(80);
  await stop();
  assert.ok(started >= 2, `started ${started} times`);
  assert.equal(overlapped, false);
  assert.equal(finished, started, 'the pass under way when stopped finished');
  const after = started;
  await sleep(30);
  assert.equal(started, after, 'nothing runs after stop');
});
