import { describe, expect, it } from "vitest";
import { FakeTransport, MemoryStorage, tick } from "../../../test/outbox-fakes";
import { storageKey, type StoredOutbox } from "./ops";
import { Outbox, type OutboxEvent } from "./outbox";

const BOX = { x: 1, y: 2, w: 3, h: 4 };

function setup(opts: { online?: () => boolean; storage?: MemoryStorage; transport?: FakeTransport } = {}) {
  const storage = opts.storage ?? new MemoryStorage();
  const transport = opts.transport ?? new FakeTransport();
  const timers: { fn: () => void; ms: number }[] = [];
  const outbox = new Outbox({
    transport, storage, isOnline: opts.online ?? (() => true),
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => {},
    random: () => 1,
  });
  const events: OutboxEvent[] = [];
  outbox.on((e) => events.push(e));
  const stored = (imageId = 1): StoredOutbox | null => JSON.parse(storage.getItem(storageKey(imageId)) ?? "null");
  return { storage, transport, outbox, events, timers, stored };
}

const create = (clientId: string, imageId = 1) =>
  ({ op: "create", imageId, clientId, id: null, version: 0, kind: "box", label: 1, box: BOX }) as const;
const update = (clientId: string, id: number | null, version: number, box = BOX) =>
  ({ op: "update", imageId: 1, clientId, id, version, fields: { box }, before: { label: 1, box: BOX } }) as const;

describe("Outbox", () => {
  it("writes the op to localStorage before the request goes out", async () => {
    const { outbox, transport, storage } = setup();
    let seenAtSend: string | null = null;
    transport.onCall = () => (seenAtSend = storage.getItem(storageKey(1)));
    outbox.enqueue(create("c1"));
    await tick();
    expect(transport.calls).toHaveLength(1);
    expect(seenAtSend).not.toBeNull();
    expect(JSON.parse(seenAtSend!).ops[0]).toMatchObject({ op: "create", clientId: "c1" });
    transport.ok();
    await tick();
    expect(storage.getItem(storageKey(1))).toBeNull();
    expect(outbox.status()).toEqual({ state: "saved", pending: 0 });
  });

  it("sends the client id with creates", async () => {
    const { outbox, transport } = setup();
    outbox.enqueue(create("uuid-1"));
    await tick();
    expect(transport.calls[0]!.body).toEqual({ kind: "box", label: 1, box: BOX, client_id: "uuid-1" });
  });

  it("chains an update behind its create, with the server id and version", async () => {
    const { outbox, transport } = setup();
    outbox.enqueue(create("c1"));
    await tick();
    outbox.enqueue(update("c1", null, 0, { x: 9, y: 9, w: 9, h: 9 }));
    await tick();
    expect(transport.calls).toHaveLength(1); // the update waits
    transport.ok({ id: 42, version: 1 });
    await tick();
    expect(transport.calls[1]).toMatchObject({ method: "update", id: 42, version: 1 });
    transport.ok({ version: 2 });
    await tick();
    outbox.enqueue({ op: "delete", imageId: 1, clientId: "c1", id: null, version: 0, before: { kind: "box", label: 1, box: BOX, source: "human", score: null, review: "none" } });
    await tick();
    expect(transport.calls[2]).toMatchObject({ method: "remove", id: 42, version: 2 });
  });

  it("keeps per-annotation order and sends one request at a time", async () => {
    const { outbox, transport } = setup();
    outbox.enqueue(update("a", 1, 5, { x: 1, y: 1, w: 1, h: 1 }));
    await tick();
    outbox.enqueue(update("b", 2, 7));
    outbox.enqueue(update("a", 1, 5, { x: 2, y: 2, w: 2, h: 2 }));
    await tick();
    expect(transport.open).toHaveLength(1);
    transport.ok();
    await tick();
    transport.ok();
    await tick();
    transport.ok();
    await tick();
    expect(transport.calls.map((c) => [c.id, c.version])).toEqual([[1, 5], [2, 7], [1, 6]]);
    expect(transport.calls[2]!.body).toMatchObject({ box: { x: 2, y: 2, w: 2, h: 2 } });
  });

  it("folds queued updates together and cancels a create deleted before it was sent", async () => {
    let online = false;
    const { outbox, transport } = setup({ online: () => online });
    outbox.enqueue(update("a", 1, 3, { x: 1, y: 1, w: 1, h: 1 }));
    outbox.enqueue({ ...update("a", 1, 3), fields: { label: 4 } });
    outbox.enqueue(create("n"));
    outbox.enqueue({ op: "delete", imageId: 1, clientId: "n", id: null, version: 0, before: { kind: "box", label: 1, box: BOX, source: "human", score: null, review: "none" } });
    expect(outbox.size).toBe(1);
    online = true;
    transport.auto = () => ({ id: 1, image: 1, label: 4, kind: "box", box: BOX, source: "human", score: null, review: "none", version: 4 });
    outbox.wake();
    await tick();
    expect(transport.calls).toHaveLength(1);
    expect(transport.calls[0]!.body).toEqual({ version: 3, box: { x: 1, y: 1, w: 1, h: 1 }, label: 4 });
  });

  it("queues while offline and sends when the browser is back online", async () => {
    let online = false;
    const { outbox, transport } = setup({ online: () => online });
    outbox.enqueue(create("c1"));
    outbox.enqueue(create("c2"));
    await tick();
    expect(transport.calls).toHaveLength(0);
    expect(outbox.status()).toEqual({ state: "offline", pending: 2 });
    online = true;
    transport.auto = () => ({ id: 1, version: 1 });
    outbox.wake();
    await tick();
    expect(transport.calls).toHaveLength(2);
    expect(outbox.status().state).toBe("saved");
  });

  it("retries network errors with backoff, then succeeds", async () => {
    const { outbox, transport, timers } = setup();
    outbox.enqueue(create("c1"));
    await tick();
    transport.fail(0, "network");
    await tick();
    expect(outbox.status()).toEqual({ state: "offline", pending: 1 });
    expect(timers).toHaveLength(1);
    expect(timers[0]!.ms).toBe(1000);
    timers[0]!.fn();
    await tick();
    transport.fail(503, "503");
    await tick();
    expect(outbox.status()).toEqual({ state: "error", pending: 1 });
    expect(timers[1]!.ms).toBe(2000);
    timers[1]!.fn();
    await tick();
    transport.ok();
    await tick();
    expect(transport.calls.map((c) => c.body)).toEqual([transport.calls[0]!.body, transport.calls[0]!.body, transport.calls[0]!.body]);
    expect(outbox.status()).toEqual({ state: "saved", pending: 0 });
  });

  it("survives a reload: pending ops come back from storage and a replayed create is the same create", async () => {
    const storage = new MemoryStorage();
    const first = setup({ storage, online: () => false });
    first.outbox.enqueue(create("c1"));
    first.outbox.enqueue(create("other-image", 2));
    await tick();
    // "crash": a new page with the same localStorage
    const second = setup({ storage });
    expect(second.outbox.pending(1).map((o) => o.clientId)).toEqual(["c1"]);
    expect(second.outbox.size).toBe(2);
    second.outbox.wake();
    await tick();
    expect(second.transport.calls[0]!.body).toMatchObject({ client_id: "c1" });
    second.transport.ok({ id: 9 }); // the server answers 200 with the existing row
    await tick();
    expect(second.transport.calls[1]).toMatchObject({ imageId: 2, body: { client_id: "other-image" } });
  });

  it("remembers ids learnt before a crash so later ops keep their version", async () => {
    const storage = new MemoryStorage();
    const first = setup({ storage });
    first.outbox.enqueue(create("c1"));
    await tick();
    first.outbox.enqueue(update("c1", null, 0));
    first.transport.ok({ id: 50, version: 1 });
    await tick();
    expect(first.stored()!.known).toEqual({ c1: { id: 50, version: 1 } });
    const second = setup({ storage });
    second.outbox.wake();
    await tick();
    expect(second.transport.calls[0]).toMatchObject({ method: "update", id: 50, version: 1 });
  });

  it("409 stale_version: reports the server's version and drops that annotation's ops", async () => {
    const { outbox, transport, events } = setup();
    outbox.enqueue(update("a", 1, 3));
    await tick();
    outbox.enqueue(update("a", 1, 3, { x: 7, y: 7, w: 7, h: 7 }));
    outbox.enqueue(update("b", 2, 1));
    const current = { id: 1, image: 1, label: 2, kind: "box", box: { x: 50, y: 50, w: 5, h: 5 }, source: "human", score: null, review: "none", version: 6 };
    transport.fail(409, "stale_version", { detail: "stale", code: "stale_version", current });
    await tick();
    expect(events[0]).toMatchObject({ type: "conflict", current: { version: 6 } });
    expect(outbox.pending().map((o) => o.clientId)).toEqual(["b"]);
    expect(transport.open[0]).toMatchObject({ id: 2 });
  });

  it("404 / 409 deleted: reports gone; 400: reports rejected with the server's detail", async () => {
    const { outbox, transport, events } = setup();
    transport.auto = (c) => {
      if (c.id === 1) throw Object.assign(new Error("Not found."), { status: 404, code: "not_found", body: null });
      if (c.id === 2) throw Object.assign(new Error("gone"), { status: 409, code: "deleted", body: null });
      throw Object.assign(new Error("Box is outside the image."), { status: 400, code: "invalid_box", body: null });
    };
    outbox.enqueue(update("a", 1, 1));
    outbox.enqueue(update("b", 2, 1));
    outbox.enqueue(update("c", 3, 1));
    await tick();
    expect(events.map((e) => e.type)).toEqual(["gone", "gone", "rejected"]);
    expect(events[2]).toMatchObject({ detail: "Box is outside the image.", code: "invalid_box" });
    expect(outbox.status()).toEqual({ state: "error", pending: 0 });
  });

  it("409 duplicate_tag adopts the existing tag", async () => {
    const { outbox, transport, events } = setup();
    outbox.enqueue({ op: "create", imageId: 1, clientId: "t", id: null, version: 0, kind: "tag", label: 3, box: null });
    await tick();
    expect(transport.calls[0]!.body).toEqual({ kind: "tag", label: 3, client_id: "t" });
    transport.fail(409, "duplicate_tag", { current: { id: 8, image: 1, label: 3, kind: "tag", box: null, version: 2 } });
    await tick();
    expect(events[0]).toMatchObject({ type: "merged", current: { id: 8 } });
    expect(outbox.knownFor("t")).toEqual({ id: 8, version: 2 });
  });

  it("ignores corrupt storage", () => {
    const storage = new MemoryStorage();
    storage.setItem(storageKey(1), "{not json");
    storage.setItem(storageKey(2), JSON.stringify({ v: 1, ops: [{ nope: 1 }], known: {} }));
    const { outbox } = setup({ storage, online: () => false });
    expect(outbox.size).toBe(0);
  });
});
