#!/usr/bin/env node
// V8 moves the objects of an allocation site straight to the old generation once most of them outlive
// a young-generation collection. A request's objects live for tens of milliseconds, about one
// collection's interval, so under load their sites were tenured, they died old, and the old generation
// filled at some 14 MB a second: a full collection every few seconds, and the payments around it
// waited. Without it (docs/performance.md, "Requests' objects die young"): 0.51 MB of growth a young
// collection instead of 1.23, one full collection or none in a 10-second row instead of three, and a
// lower p99. Set before the platform's modules load.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
// The young generation's size is fixed when the process starts, so it cannot be set here: `npm start`
// runs the server with --max-semi-space-size=64 (package.json). Four alternating pairs at c=32 gave
// PGlite 7% more payments a second and 7% less CPU a payment, PostgreSQL about 3% (docs/performance.md,
// "The reference, run as pgbench's documentation asks"): fewer scavenges, and fewer of a request's
// objects still alive, to be copied, when one runs.

// Runs the TypeScript sources directly (tsx compiles on the fly), so there is no build step to forget.
const { register } = await import('tsx/esm/api');

register();
await import('../src/cli/main.ts');
