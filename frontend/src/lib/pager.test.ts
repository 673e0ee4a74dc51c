import { describe, expect, it, vi } from "vitest";
import type { Page } from "../api/common";
import { KeysetPager } from "./pager";

type Item = { id: number };

function fakeApi(pages: Record<string, Page<Item>>) {
  return vi.fn(async (url: string) => {
    const page = pages[url];
    if (!page) throw new Error(`unexpected ${url}`);
    return page;
  });
}

describe("KeysetPager", () => {
  it("follows next links until null", async () => {
    const fetch = fakeApi({
      "/p1": { results: [{ id: 1 }, { id: 2 }], next: "/p2" },
      "/p2": { results: [{ id: 3 }], next: null },
    });
    const pager = new KeysetPager<Item>(fetch, "/p1", (i) => i.id);
    expect(await pager.loadMore()).toEqual([{ id: 1 }, { id: 2 }]);
    expect(pager.done).toBe(false);
    expect(await pager.loadMore()).toEqual([{ id: 3 }]);
    expect(pager.done).toBe(true);
    expect(await pager.loadMore()).toEqual([]);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(pager.items.map((i) => i.id)).toEqual([1, 2, 3]);
  });

  it("shares one request between overlapping calls", async () => {
    const fetch = fakeApi({ "/p1": { results: [{ id: 1 }], next: "/p2" } });
    const pager = new KeysetPager<Item>(fetch, "/p1");
    const [a, b] = await Promise.all([pager.loadMore(), pager.loadMore()]);
    expect(a).toBe(b);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("skips items it has already seen", async () => {
    const fetch = fakeApi({
      "/p1": { results: [{ id: 1 }, { id: 2 }], next: "/p2" },
      "/p2": { results: [{ id: 2 }, { id: 3 }], next: null },
    });
    const pager = new KeysetPager<Item>(fetch, "/p1", (i) => i.id);
    await pager.loadMore();
    expect(await pager.loadMore()).toEqual([{ id: 3 }]);
  });

  it("discards a page that arrives after reset", async () => {
    let release!: (p: Page<Item>) => void;
    const fetch = vi.fn((url: string) =>
      url === "/old"
        ? new Promise<Page<Item>>((r) => (release = r))
        : Promise.resolve({ results: [{ id: 9 }], next: null }),
    );
    const pager = new KeysetPager<Item>(fetch, "/old");
    const stale = pager.loadMore();
    pager.reset("/new");
    const fresh = await pager.loadMore();
    release({ results: [{ id: 1 }], next: "/old2" });
    expect(await stale).toEqual([]);
    expect(fresh).toEqual([{ id: 9 }]);
    expect(pager.items).toEqual([{ id: 9 }]);
    expect(pager.done).toBe(true);
  });

  it("keeps its place after an error so a retry refetches the same page", async () => {
    let fail = true;
    const fetch = vi.fn(async (url: string) => {
      if (fail) throw new Error("boom");
      return { results: [{ id: url === "/p1" ? 1 : 0 }], next: null };
    });
    const pager = new KeysetPager<Item>(fetch, "/p1");
    await expect(pager.loadMore()).rejects.toThrow("boom");
    expect(pager.error).toBeInstanceOf(Error);
    expect(pager.loading).toBe(false);
    fail = false;
    expect(await pager.loadMore()).toEqual([{ id: 1 }]);
    expect(pager.error).toBeNull();
  });
});
