import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { billFee, netToBiller, paymentTotal } from './fees.js';

test('a bill fee is the fixed part plus basis points rounded half up', () => {
  assert.equal(billFee({ fixed: 250n, bps: 0 }, 31_240n), 250n);
  assert.equal(billFee({ fixed: 0n, bps: 50 }, 19_900n), 100n); // 99.5 rounds up
  assert.equal(billFee({ fixed: 0n, bps: 50 }, 19_899n), 99n); // 99.495 rounds down
  assert.equal(billFee({ fixed: 200n, bps: 75 }, 25_555n), 392n); // 200 + 191.66
  assert.equal(billFee({ fixed: 0n, bps: 0 }, 10_000n), 0n);
});

test('the consumer pays bills plus fees; a biller-paid fee is taken from what the biller gets', () => {
  const lines = [{ amount: 10_000n }, { amount: 33_333n }];
  assert.deepEqual(paymentTotal({ fixed: 250n, bps: 100, payer: 'consumer' }, lines), {
    bills: 43_333n,
    fee: 933n,
    charged: 44_266n,
  });
  assert.deepEqual(paymentTotal({ fixed: 250n, bps: 100, payer: 'biller' }, lines), {
    bills: 43_333n,
    fee: 933n,
    charged: 43_333n,
  });
  assert.equal(netToBiller('biller', 10_000n, 350n), 9_650n);
  assert.equal(netToBiller('consumer', 10_000n, 350n), 10_000n);
});

test('property: charged − fees reaching revenue always equals what the biller nets', () => {
  fc.assert(
    fc.property(
      fc.array(fc.bigInt({ min: 1n, max: 10_000_000_000n }), { minLength: 1, maxLength: 10 }),
      fc.bigInt({ min: 0n, max: 10_000n }),
      fc.integer({ min: 0, max: 10_000 }),
      fc.constantFrom('consumer' as const, 'biller' as const),
      (amounts, fixed, bps, payer) => {
        const schedule = { fixed, bps, payer };
        const total = paymentTotal(
          schedule,
          amounts.map((amount) => ({ amount })),
        );
        const net = amounts.reduce(
          (sum, amount) => sum + netToBiller(payer, amount, billFee(schedule, amount)),
          0n,
        );
        assert.equal(total.charged - total.fee, net);
        assert.ok(total.fee >= fixed * BigInt(amounts.length));
      },
    ),
  );
});
