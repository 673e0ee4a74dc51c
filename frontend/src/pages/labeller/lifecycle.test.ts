import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AnnotationRecord } from "../../api/annotations";
import type { Image, Neighbors } from "../../api/images";
import { History } from "../../labeller/core/history";
import { Interaction } from "../../labeller/core/selection";
import { AnnotationStore, LOCAL } from "../../labeller/core/store";
import { ImageLifecycle, SLOW_MS, type ImageSource, type LifecycleView } from "./lifecycle";

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const image = (id: number, over: Partial<Image> = {}): Image => ({
  id, project: 1, filename: `img-${id}.jpg`, width: 640, height: 480, format: "jpeg", size_bytes: 1000,
  sha256: "", status: "new", stage: "annotation", split: "unassigned", sample_weight: 1, gold: false, file: `/media/${id}.jpg`,
  thumbnail: null, source_video: "", frame_time: null, source_image: null, crop: {}, created_at: "", updated_at: "", ...over,
});

const rec = (id: number, imageId: number, over: Partial<AnnotationRecord> = {}): AnnotationRecord => ({
  id, image: imageId, label: 1, kind: "box", box: { x: 1, y: 1, w: 10, h: 10 }, source: "human",
  score: null, review: "none", version: 1, client_id: null, ...over,
});

const NONE: Neighbors = { previous: null, next: null, next_unlabelled: null };

/** Every request waits until the test answers it, unless `auto` is set for that id. */
class FakeSource implements ImageSource<string> {
  readonly metas = new Map<number, Deferred<Image>>();
  readonly anns = new Map<number, Deferred<AnnotationRecord[]>[]>();
  readonly files = new Map<number, Deferred<string>>();
  readonly prefetched: number[] = [];
  readonly forgotten: number[] = [];

  meta(id: number): Promise<Image> {
    if (!this.metas.has(id)) this.metas.set(id, deferred());
    return this.metas.get(id)!.promise;
  }
  annotations(id: number): Promise<AnnotationRecord[]> {
    const d = deferred<AnnotationRecord[]>();
    this.anns.set(id, [...(this.anns.get(id) ?? []), d]);
    return d.promise;
  }
  image(id: number): Promise<string> {
    if (!this.files.has(id)) this.files.set(id, deferred());
    return this.files.get(id)!.promise;
  }
  prefetch(id: number): void {
    this.prefetched.push(id);
  }
  forgetAnnotations(id: number): void {
    this.forgotten.push(id);
  }

  /** Answer the image's metadata and (latest) annotation request. */
  answer(id: number, recs: AnnotationRecord[] = [], over: Partial<Image> = {}): void {
    this.meta(id);
    this.metas.get(id)!.resolve(image(id, over));
    this.anns.get(id)!.at(-1)!.resolve(recs);
  }
}

function setup() {
  const source = new FakeSource();
  const store = new AnnotationStore();
  const history = new History();
  const interaction = new Interaction();
  const neighbors = new Map<number, Deferred<Neighbors>>();
  const events: string[] = [];
  const notices: string[] = [];
  const pending = new Set<string>();
  const view: LifecycleView<string> = {
    pushUrl: (id) => events.push(`push ${id}`),
    opening: (id) => events.push(`opening ${id}`),
    veil: (state, message) => events.push(`veil ${state}${message ? `: ${message}` : ""}`),
    showImage: (img) => events.push(`image ${img ? img.id : "none"}`),
    opened: (img) => events.push(`opened ${img.id}`),
    showFile: (img, file) => events.push(`file ${img.id} ${file ?? "none"}`),
    showNeighbors: (n) => events.push(`neighbors ${n ? `${n.previous}/${n.next}` : "unknown"}`),
    notice: (m) => notices.push(m),
  };
  const replayed: number[] = [];
  const life = new ImageLifecycle<string>({
    source, store, history, interaction, view,
    neighbors: (id) => {
      if (!neighbors.has(id)) neighbors.set(id, deferred());
      return neighbors.get(id)!.promise;
    },
    replay: (id) => replayed.push(id),
    hasPending: (cid) => pending.has(cid),
  });
  const near = (id: number, n: Partial<Neighbors>): void => {
    if (!neighbors.has(id)) neighbors.set(id, deferred());
    neighbors.get(id)!.resolve({ ...NONE, ...n });
  };
  return { source, store, history, interaction, neighbors, near, events, notices, pending, replayed, life };
}

describe("ImageLifecycle.open", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("loads an image's data, then its file and neighbours, in that order", async () => {
    const t = setup();
    const done = t.life.open(1, false);
    expect(t.events).toEqual(["opening 1", "neighbors unknown"]);
    t.source.answer(1, [rec(5, 1), rec(6, 1, { review: "rejected" })]);
    await flush();
    expect(t.life.image?.id).toBe(1);
    // Rejected predictions are hidden; the outbox's pending work goes back on top.
    expect(t.store.all().map((a) => a.id)).toEqual([5]);
    expect(t.replayed).toEqual([1]);
    expect(t.events).toEqual(["opening 1", "neighbors unknown", "image 1", "opened 1"]);
    t.source.files.get(1)!.resolve("pixels");
    t.near(1, { previous: 0, next: 2, next_unlabelled: 4 });
    await done;
    expect(t.events.slice(4)).toEqual(["file 1 pixels", "neighbors 0/2"]);
    expect(t.life.neighbors).toEqual({ previous: 0, next: 2, next_unlabelled: 4 });
    expect(t.source.prefetched.sort()).toEqual([0, 2, 4]);
    expect(t.events).not.toContain("push 1");
  });

  it("leaves the previous image: its selection, draft, undo history and cached annotations", async () => {
    const t = setup();
    const first = t.life.open(1, false);
    t.source.answer(1, [rec(5, 1)]);
    t.near(1, { next: 2 });
    await first;
    const key = t.store.byId(5)!.key;
    t.interaction.select(key);
    t.interaction.setDraft({ key, box: { x: 0, y: 0, w: 1, h: 1 }, label: 1, mode: "move" });
    t.history.push({ type: "update", key, before: { label: 1, box: null }, after: { label: 2, box: null } });
    expect(t.history.canUndo).toBe(true);

    const second = t.life.open(2, true);
    expect(t.events).toContain("push 2");
    expect(t.source.forgotten).toEqual([1]);
    expect(t.interaction.selected).toBeNull();
    expect(t.interaction.draft).toBeNull();
    expect(t.life.neighbors).toBeNull();
    t.source.answer(2, [rec(7, 2)]);
    t.near(2, {});
    await second;
    expect(t.history.canUndo).toBe(false);
    expect(t.store.all().map((a) => a.id)).toEqual([7]);
  });

  it("lets the newest open win when answers come back out of order", async () => {
    const t = setup();
    const one = t.life.open(1, false);
    const two = t.life.open(2, true);
    t.source.answer(2, [rec(7, 2)]);
    t.near(2, { previous: 1 });
    await two;
    t.source.answer(1, [rec(5, 1)]);
    await one;
    expect(t.life.image?.id).toBe(2);
    expect(t.store.all().map((a) => a.id)).toEqual([7]);
    expect(t.life.neighbors?.previous).toBe(1);
    expect(t.events).not.toContain("image 1");
    // The stale open stops there: neither its file nor its neighbours are asked for.
    expect(t.source.files.has(1)).toBe(false);
    expect(t.neighbors.has(1)).toBe(false);
  });

  it("covers the canvas only when the data takes longer than SLOW_MS", async () => {
    const fast = setup();
    const a = fast.life.open(1, false);
    fast.source.answer(1);
    fast.near(1, {});
    await a;
    vi.advanceTimersByTime(SLOW_MS * 2);
    expect(fast.events.filter((e) => e.startsWith("veil"))).toEqual([]);

    const slow = setup();
    void slow.life.open(1, false);
    vi.advanceTimersByTime(SLOW_MS - 1);
    expect(slow.events).not.toContain("veil loading");
    vi.advanceTimersByTime(1);
    expect(slow.events).toContain("veil loading");
  });

  it("shows why an image could not be opened and empties the store", async () => {
    const t = setup();
    const first = t.life.open(1, false);
    t.source.answer(1, [rec(5, 1)]);
    t.near(1, {});
    await first;
    const second = t.life.open(9, true);
    t.source.metas.get(9)!.reject(new Error("Not found."));
    await second;
    expect(t.life.image).toBeNull();
    expect(t.store.size).toBe(0);
    expect(t.events.slice(-2)).toEqual(["image none", "veil error: Not found."]);
  });

  it("keeps the data on screen when only the file fails", async () => {
    const t = setup();
    const done = t.life.open(1, false);
    t.source.answer(1, [rec(5, 1)]);
    await flush();
    t.source.files.get(1)!.reject(new Error("The image file could not be loaded."));
    t.near(1, {});
    await done;
    expect(t.notices).toEqual(["The image file could not be loaded."]);
    expect(t.events).toContain("file 1 none");
    expect(t.store.size).toBe(1);
  });

  it("disables both directions when the neighbours cannot be fetched", async () => {
    const t = setup();
    const done = t.life.open(1, false);
    t.source.answer(1);
    await flush();
    t.neighbors.get(1)!.reject(new Error("offline"));
    await done;
    expect(t.events.at(-1)).toBe("neighbors null/null");
    expect(t.life.neighbors).toBeNull();
  });
});

describe("ImageLifecycle.go", () => {
  async function opened(t: ReturnType<typeof setup>, n: Partial<Neighbors>): Promise<void> {
    const done = t.life.open(1, false);
    t.source.answer(1);
    t.near(1, n);
    await done;
  }

  it("opens the neighbour with a new history entry", async () => {
    const t = setup();
    await opened(t, { next: 2 });
    const go = t.life.go("next");
    await flush();
    expect(t.events).toContain("push 2");
    t.source.answer(2);
    t.near(2, { previous: 1 });
    await go;
    expect(t.life.image?.id).toBe(2);
  });

  it("says so at the ends of the list instead of moving", async () => {
    const t = setup();
    await opened(t, { next: 2 });
    await t.life.go("previous");
    await t.life.go("next_unlabelled");
    expect(t.notices).toEqual(["This is the first image.", "No unlabelled images left."]);
    expect(t.life.image?.id).toBe(1);
    expect(t.events.filter((e) => e.startsWith("push"))).toEqual([]);
  });

  it("asks for the neighbours when they are not known yet", async () => {
    const t = setup();
    const done = t.life.open(1, false);
    t.source.answer(1);
    await flush();
    t.neighbors.get(1)!.reject(new Error("slow network"));
    await done;
    t.neighbors.delete(1);
    const go = t.life.go("next");
    t.near(1, { next: 3 });
    await flush();
    expect(t.events).toContain("push 3");
    t.source.answer(3);
    t.near(3, {});
    await go;
    expect(t.life.image?.id).toBe(3);
  });

  it("reports a failed neighbour lookup", async () => {
    const t = setup();
    const done = t.life.open(1, false);
    t.source.answer(1);
    await flush();
    t.neighbors.get(1)!.reject(new Error("x"));
    await done;
    t.neighbors.set(1, deferred());
    t.neighbors.get(1)!.reject(new Error("Network error"));
    await t.life.go("previous");
    expect(t.notices).toEqual(["Could not find the previous image: Network error"]);
  });

  it("does nothing before an image is on screen", async () => {
    const t = setup();
    await t.life.go("next");
    expect(t.events).toEqual([]);
    expect(t.notices).toEqual([]);
  });
});

describe("ImageLifecycle.merge and refreshAnnotations", () => {
  async function opened(recs: AnnotationRecord[]) {
    const t = setup();
    const done = t.life.open(1, false);
    t.source.answer(1, recs);
    t.near(1, {});
    await done;
    return t;
  }

  it("merges a newer version of the image on screen only", async () => {
    const t = await opened([]);
    t.life.merge(image(2, { status: "done" }));
    expect(t.life.image?.status).toBe("new");
    t.life.merge(image(1, { status: "done", gold: true }));
    expect(t.life.image).toMatchObject({ id: 1, status: "done", gold: true });
    expect(t.events.at(-1)).toBe("image 1");
  });

  it("makes the store match the server after a reconnect", async () => {
    const t = await opened([rec(5, 1), rec(6, 1)]);
    const refresh = t.life.refreshAnnotations();
    expect(t.source.forgotten).toEqual([1]);
    t.source.anns.get(1)!.at(-1)!.resolve([rec(5, 1, { version: 2, label: 3 }), rec(8, 1)]);
    await refresh;
    expect(t.store.all().map((a) => [a.id, a.label])).toEqual([[5, 3], [8, 1]]);
  });

  it("does not undo changes made while the refetch was in flight, nor pending ones", async () => {
    const t = await opened([rec(5, 1), rec(6, 1)]);
    t.pending.add("id:6");
    const refresh = t.life.refreshAnnotations();
    t.store.update(t.store.byId(5)!.key, { label: 2 }, LOCAL);
    t.source.anns.get(1)!.at(-1)!.resolve([rec(5, 1, { version: 2, label: 3 })]);
    await refresh;
    expect(t.store.byId(5)?.label).toBe(2);
    expect(t.store.byId(6)).toBeDefined();

    // The next catch-up no longer remembers that edit.
    t.pending.clear();
    const again = t.life.refreshAnnotations();
    t.source.anns.get(1)!.at(-1)!.resolve([rec(5, 1, { version: 3, label: 3 })]);
    await again;
    expect(t.store.all().map((a) => [a.id, a.label])).toEqual([[5, 3]]);
  });

  it("drops a refetch answered after the user moved on", async () => {
    const t = await opened([rec(5, 1)]);
    const refresh = t.life.refreshAnnotations();
    const next = t.life.open(2, true);
    t.source.answer(2, [rec(7, 2)]);
    t.near(2, {});
    await next;
    t.source.anns.get(1)!.at(-1)!.resolve([rec(5, 1), rec(9, 1)]);
    await refresh;
    expect(t.store.all().map((a) => a.id)).toEqual([7]);
  });
});
