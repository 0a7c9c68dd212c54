import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { testStore } from '../../test/support/store.js';
import { manualClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { CHALLENGE_LIFETIME_MS, createAccessControlServer } from './acs.js';

const store = await testStore();
const clock = manualClock(new Date('2026-11-24T10:00:00Z'));
const acs = createAccessControlServer({ store, clock, logger: createLogger('silent'), demoInbox: true });

async function start(paymentId: string) {
  const challenge = await store.transaction((trx) =>
    acs.startChallenge({ paymentId, bankId: 'bnk_rif', cardLast4: '0076' }, trx),
  );
  const sent = acs.inbox().find((c) => c.challengeId === challenge.id);
  assert.ok(sent);
  return { challenge, code: sent.code };
}

const answer = (id: string, code: string) => store.transaction((trx) => acs.answer(id, code, trx));

describe('access control server', () => {
  test('the code sent passes; the code is never stored in clear', async () => {
    const { challenge, code } = await start('pay_a');
    const row = await store.db
      .selectFrom('issuer_challenges')
      .select('code_hash')
      .where('id', '=', challenge.id)
      .executeTakeFirstOrThrow();
    assert.ok(!row.code_hash.includes(code));
    assert.equal((await answer(challenge.id, code))?.outcome, 'authenticated');
    assert.equal((await answer(challenge.id, code))?.outcome, 'closed');
  });

  test('three wrong codes fail it, even if the right one comes after', async () => {
    const { challenge, code } = await start('pay_b');
    const wrong = code === '000000' ? '111111' : '000000';
    assert.equal((await answer(challenge.id, wrong))?.outcome, 'retry');
    assert.equal((await answer(challenge.id, wrong))?.outcome, 'retry');
    const third = await answer(challenge.id, wrong);
    assert.deepEqual([third?.outcome, third?.outcome === 'failed' && third.reason], ['failed', 'attempts']);
    assert.equal((await answer(challenge.id, code))?.outcome, 'closed');
  });

  test('after five minutes the right code no longer works', async () => {
    const { challenge, code } = await start('pay_c');
    clock.advance(CHALLENGE_LIFETIME_MS);
    const late = await answer(challenge.id, code);
    assert.deepEqual([late?.outcome, late?.outcome === 'failed' && late.reason], ['failed', 'expired']);
  });

  test('outside the demo a code is shown nowhere: not in the inbox, not in the log', async () => {
    /** A challenge started by an access control server with or without the demo inbox; what it logged. */
    async function challengeWith(demoInbox: boolean) {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const server = createAccessControlServer({
        store,
        clock,
        logger: createLogger('info', sink),
        demoInbox,
      });
      const challenge = await store.transaction((trx) =>
        server.startChallenge({ paymentId: `pay_${demoInbox}`, bankId: 'bnk_rif', cardLast4: '0076' }, trx),
      );
      assert.equal(lines.length, 1);
      const logged = JSON.parse(lines[0]!) as { challengeId?: string; demoCode?: string };
      assert.equal(logged.challengeId, challenge.id);
      return { challenge, inbox: server.inbox(), logged };
    }
    const quiet = await challengeWith(false);
    assert.deepEqual(quiet.inbox, []);
    assert.ok(!('demoCode' in quiet.logged), JSON.stringify(quiet.logged));
    // With the demo inbox the code is there, and in the log.
    const shown = await challengeWith(true);
    assert.equal(shown.inbox[0]?.challengeId, shown.challenge.id);
    assert.equal(shown.logged.demoCode, shown.inbox[0]?.code);
  });

  test('an unknown challenge is undefined', async () => {
    assert.equal(await answer('ch_00000000000000000000000000', '123456'), undefined);
  });
});
