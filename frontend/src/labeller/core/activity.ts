/**
 * Active labelling time: time counts while the page is visible and the person used it (a
 * key, a click, a drag, a wheel) in the last IDLE_MS; a coffee break does not count. Fed
 * by the labeller's event listeners and a ticking clock; `take()` hands over what has
 * accumulated (whole seconds) for a report.
 */
export const IDLE_MS = 60_000;

export class ActiveClock {
  private lastInput = -Infinity;
  private lastTick: number | null = null;
  private ms = 0;

  constructor(private readonly idleMs: number = IDLE_MS) {}

  input(now: number): void {
    this.lastInput = now;
  }

  /** Count the time since the last tick, if the page was visible and in use through it. */
  tick(now: number, visible: boolean): void {
    const from = this.lastTick;
    this.lastTick = now;
    if (from === null || !visible) return;
    const activeUntil = Math.min(now, this.lastInput + this.idleMs);
    if (activeUntil > from) this.ms += activeUntil - from;
  }

  /** Whole seconds accumulated since the last take (the remainder stays). */
  take(): number {
    const seconds = Math.floor(this.ms / 1000);
    this.ms -= seconds * 1000;
    return seconds;
  }
}
