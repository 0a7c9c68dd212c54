import type { App } from '../http/server.js';
import type { CmiDeps, CmiService } from './service.js';

// Placeholder until the CMI-compatible interface lands.
export function cmiRoutes(_deps: CmiDeps & { cmi: CmiService }) {
  return async (_app: App) => {};
}
