// The ceiling the payments benchmark runs under: the same two HTTP calls per payment, answered by a
// Fastify server that parses the same JSON and touches no database. Started by bench/payments.ts as a
// child process, like the real server, so both share the machine with the load generator alike.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
let next = 0;
app.post('/v1/payments', async (request) => {
  const body = request.body as { amount: number };
  return {
    id: `pay_${(next++).toString().padStart(26, '0')}`,
    amount: body.amount,
    status: 'requires_payment_method',
  };
});
app.post('/v1/payments/:id/confirm', async (request) => {
  const { id } = request.params as { id: string };
  return { id, status: 'succeeded' };
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
console.log(`API http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
