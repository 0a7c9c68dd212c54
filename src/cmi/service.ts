import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { MerchantService } from '../merchants/service.js';
import type { PaymentService } from '../payments/service.js';
import type { OutboxHandler } from '../store/outbox.js';
import type { SharedStore } from '../store/store.js';
import type { VaultService } from '../vault/service.js';

export interface CmiDeps {
  store: SharedStore;
  vault: VaultService;
  payments: PaymentService;
  merchants: MerchantService;
  logger: Logger;
  clock: Clock;
  /** Where people reach Tijara (for return URLs). */
  baseUrl: () => string;
  /** Callback retries: first delay; it doubles each time. */
  retryBaseMs: number;
}

// Placeholder until the CMI-compatible interface lands (issue: hosted page and CMI form post).
export function createCmiService(_deps: CmiDeps) {
  return { outboxHandlers: [] as OutboxHandler[] };
}

export type CmiService = ReturnType<typeof createCmiService>;
