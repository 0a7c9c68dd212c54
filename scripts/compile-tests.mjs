// The suites run on JavaScript compiled once, before them, rather than through tsx in each test process:
// every test file is a process of its own that imports most of the platform, and tsx's loader hooks
// answer each of those imports from another thread. Measured on a slow 2-core machine, 24 PGlite files
// at concurrency 2: 131 s through tsx, 109 s compiled; compiling all of src and test takes under a
// second. esbuild is the compiler tsx itself uses, so the code that runs is the code tsx would run.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const COMPILED = ['src', 'test'];

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Compiles src and test into a fresh folder shaped like the checkout, and returns it. Everything else
 * (the README, docs, bin, node_modules, and src's own non-TypeScript files) is linked in, so a path
 * a test or module finds from its own location resolves as it does in the checkout. Source maps are
 * inline: run with --enable-source-maps, a failure points at the TypeScript line.
 */
export async function compileForTests(root) {
  const out = mkdtempSync(join(tmpdir(), 'tijara-compiled-'));
  const files = COMPILED.flatMap((dir) => filesUnder(join(root, dir)));
  const isTypeScript = (file) => /\.tsx?$/.test(file);
  await build({
    entryPoints: files.filter(isTypeScript),
    outdir: out,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  const link = (from, to) => {
    mkdirSync(dirname(to), { recursive: true });
    if (!existsSync(to)) symlinkSync(from, to);
  };
  for (const file of files.filter((f) => !isTypeScript(f))) link(file, join(out, relative(root, file)));
  for (const name of readdirSync(root)) {
    if (!COMPILED.includes(name) && name !== '.git') link(join(root, name), join(out, name));
  }
  return out;
}
