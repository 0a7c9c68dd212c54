import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import type { App } from '../http/server.js';

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

/** Our own stylesheet and scripts, read once at start and served with a week of caching. */
export function assetRoutes() {
  const dir = join(packageRoot, 'src', 'web', 'assets');
  const files = new Map(
    ['tijara.css', 'pay.js', 'autosubmit.js'].map(
      (name) => [name, readFileSync(join(dir, name), 'utf8')] as const,
    ),
  );
  return async (app: App) => {
    app.get('/assets/:name', { schema: { hide: true } }, async (request, reply) => {
      const { name } = request.params as { name: string };
      const body = files.get(name);
      if (!body) return reply.code(404).type('text/plain').send('not found');
      return reply
        .type(TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream')
        .header('cache-control', 'public, max-age=604800')
        .header('x-content-type-options', 'nosniff')
        .send(body);
    });
  };
}
