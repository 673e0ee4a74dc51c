/** Images waiting for a thumbnail: polled round-robin, given up on after a deadline. */
export class PendingSet {
  private readonly since = new Map<number, number>();
  private cursor = 0;

  constructor(private readonly timeoutMs = 60_000) {}

  get size(): number {
    return this.since.size;
  }

  has(id: number): boolean {
    return this.since.has(id);
  }

  /** Start watching (no-op when already watched: the deadline is not extended). */
  add(id: number, now: number): void {
    if (!this.since.has(id)) this.since.set(id, now);
  }

  resolve(id: number): void {
    this.since.delete(id);
  }

  clear(): void {
    this.since.clear();
    this.cursor = 0;
  }

  /** Remove and return the ids watched for longer than the timeout. */
  expire(now: number): number[] {
    const gone: number[] = [];
    for (const [id, t] of this.since) if (now - t >= this.timeoutMs) gone.push(id);
    for (const id of gone) this.since.delete(id);
    return gone;
  }

  /** Up to `max` ids to poll now, rotating so a long list is covered fairly. */
  take(max: number): number[] {
    const ids = [...this.since.keys()];
    if (ids.length <= max) return ids;
    const start = this.cursor % ids.length;
    const out: number[] = [];
    for (let i = 0; i < max; i++) out.push(ids[(start + i) % ids.length]!);
    this.cursor = (start + max) % ids.length;
    return out;
  }
}
