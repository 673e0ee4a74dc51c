/** Exponential reconnect delay with jitter: base * factor^attempt, capped, times 0.5..1. */
export interface BackoffOptions {
  base?: number;
  factor?: number;
  max?: number;
}

export function backoffDelay(
  attempt: number,
  { base = 1000, factor = 2, max = 30000 }: BackoffOptions = {},
  rand: () => number = Math.random,
): number {
  const raw = Math.min(max, base * factor ** Math.max(0, attempt));
  return Math.round(raw * (0.5 + rand() / 2));
}
