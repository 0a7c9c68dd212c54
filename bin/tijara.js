#!/usr/bin/env node
// V8 moves the objects of an allocation site straight to the old generation once most of them outlive
// a young-generation collection. A request's objects live for tens of milliseconds, just past one, so
// under load their sites were tenured, they died old, and the old generation filled at 14 MB a second:
// a full collection every few seconds, and the payments around it waited. Measured with and without
// (docs/performance.md, "Requests' objects die young"): a third of the growth, no full collection in a
// 10-second row, 9% more payments a second and a lower p99. Set before anything is allocated.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');

// Runs the TypeScript sources directly (tsx compiles on the fly), so there is no build step to forget.
const { register } = await import('tsx/esm/api');

register();
await import('../src/cli/main.ts');
