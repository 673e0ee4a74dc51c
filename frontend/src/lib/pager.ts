/** Keyset pagination over `{results, next}` lists, safe against overlapping and stale loads. */
import type { Page } from "../api/common";

export class KeysetPager<T> {
  items: T[] = [];
  error: unknown = null;
  private nextUrl: string | null;
  private inflight: Promise<T[]> | null = null;
  private generation = 0;
  private readonly seen = new Set<unknown>();

  constructor(
    private readonly fetchPage: (url: string) => Promise<Page<T>>,
    firstUrl: string,
    private readonly key: (item: T) => unknown = (item) => item,
  ) {
    this.nextUrl = firstUrl;
  }

  get done(): boolean {
    return this.nextUrl === null;
  }

  get loading(): boolean {
    return this.inflight !== null;
  }

  /** Start over from a new first page; a load still in flight is discarded. */
  reset(firstUrl: string): void {
    this.generation += 1;
    this.items = [];
    this.seen.clear();
    this.error = null;
    this.nextUrl = firstUrl;
    this.inflight = null;
  }

  /** Fetch the next page; resolves with the items it added (deduplicated by key). */
  loadMore(): Promise<T[]> {
    if (this.inflight) return this.inflight;
    if (this.nextUrl === null) return Promise.resolve([]);
    const gen = this.generation;
    const url = this.nextUrl;
    const run = (async (): Promise<T[]> => {
      try {
        const page = await this.fetchPage(url);
        if (gen !== this.generation) return [];
        const added: T[] = [];
        for (const item of page.results) {
          const k = this.key(item);
          if (this.seen.has(k)) continue;
          this.seen.add(k);
          added.push(item);
        }
        this.items.push(...added);
        this.nextUrl = page.next;
        this.error = null;
        return added;
      } catch (err) {
        if (gen === this.generation) this.error = err;
        throw err;
      } finally {
        if (gen === this.generation) this.inflight = null;
      }
    })();
    this.inflight = run;
    return run;
  }
}
