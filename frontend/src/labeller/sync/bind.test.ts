import { describe, expect, it } from "vitest";
import { FakeTransport, MemoryStorage, tick } from "../../../test/outbox-fakes";
import type { AnnotationRecord } from "../../api/annotations";
import { Editor } from "../core/editor";
import { History } from "../core/history";
import { AnnotationStore, fromRecord } from "../core/store";
import { bindOutbox, replayPending } from "./bind";
import { Outbox } from "./outbox";

const rec = (over: Partial<AnnotationRecord> = {}): AnnotationRecord => ({
  id: 5, image: 1, label: 1, kind: "box", box: { x: 10, y: 10, w: 20, h: 20 }, source: "human",
  score: null, review: "none", version: 2, client_id: null, ...over,
});

function setup(storage = new MemoryStorage(), online = () => true) {
  const transport = new FakeTransport();
  const outbox = new Outbox({ transport, storage, isOnline: online, setTimer: () => 0, clearTimer: () => {} });
  const store = new AnnotationStore();
  let n = 0;
  const editor = new Editor(store, new History(), null, () => `uuid-${++n}`);
  const notices: [string, string][] = [];
  let imageId: number | null = 1;
  const unbind = bindOutbox({ store, outbox, imageId: () => imageId, notice: (m, k) => notices.push([m, k]), labelName: (id) => (id === 1 ? "cat" : `L${id}`) });
  return { transport, outbox, store, editor, notices, unbind, setImage: (id: number | null) => (imageId = id) };
}

describe("bindOutbox", () => {
  it("turns LOCAL edits into ops and learns the server id", async () => {
    const w = setup();
    const a = w.editor.createBox(1, { x: 0, y: 0, w: 5, h: 5 });
    await tick();
    expect(w.transport.calls[0]).toMatchObject({ method: "create", imageId: 1, body: { client_id: a.clientId } });
    w.transport.ok({ id: 77, version: 1 });
    await tick();
    expect(w.store.get(a.key)).toMatchObject({ id: 77, version: 1 });
    w.editor.setLabel(a.key, 2);
    await tick();
    expect(w.transport.calls[1]).toMatchObject({ method: "update", id: 77, version: 1, body: { version: 1, label: 2 } });
  });

  it("REMOTE changes are never sent", async () => {
    const w = setup();
    w.store.reset([fromRecord(rec())]);
    w.store.update("id:5", { label: 3 }, "remote");
    await tick();
    expect(w.transport.calls).toHaveLength(0);
  });

  it("a 409 applies the server's current version to the store (REMOTE) and says so", async () => {
    const w = setup();
    w.store.reset([fromRecord(rec())]);
    w.editor.updateBox("id:5", { x: 40, y: 40, w: 20, h: 20 });
    await tick();
    w.transport.fail(409, "stale_version", { current: rec({ box: { x: 99, y: 98, w: 10, h: 10 }, version: 4, label: 1 }) });
    await tick();
    expect(w.store.get("id:5")).toMatchObject({ box: { x: 99, y: 98, w: 10, h: 10 }, version: 4 });
    expect(w.notices).toEqual([["Someone else changed this cat box; showing their version.", "conflict"]]);
    expect(w.transport.calls).toHaveLength(1); // applying `current` sent nothing
  });

  it("404 on PATCH removes the annotation locally", async () => {
    const w = setup();
    w.store.reset([fromRecord(rec())]);
    w.editor.setLabel("id:5", 2);
    await tick();
    w.transport.fail(404, "not_found");
    await tick();
    expect(w.store.size).toBe(0);
    expect(w.notices[0]![1]).toBe("deleted");
  });

  it("400 reverts: a refused create disappears, a refused update goes back, a refused delete returns", async () => {
    const w = setup();
    w.store.reset([fromRecord(rec()), fromRecord(rec({ id: 6, client_id: "x6" }))]);
    w.transport.auto = () => {
      throw Object.assign(new Error("Box is outside the image."), { status: 400, code: "invalid_box", body: null });
    };
    const a = w.editor.createBox(1, { x: 0, y: 0, w: 5, h: 5 });
    w.editor.updateBox("id:5", { x: 0, y: 0, w: 1, h: 1 });
    w.editor.remove("id:6");
    await tick(10);
    expect(w.store.get(a.key)).toBeUndefined();
    expect(w.store.get("id:5")!.box).toEqual({ x: 10, y: 10, w: 20, h: 20 });
    expect(w.store.byId(6)).toMatchObject({ clientId: "x6", version: 2 });
    expect(w.notices.map((n) => n[0])).toContain("Not saved: Box is outside the image.");
  });

  it("acks for another image do not touch the store of this one", async () => {
    const w = setup();
    w.editor.createBox(1, { x: 0, y: 0, w: 5, h: 5 });
    await tick();
    w.setImage(2);
    w.store.reset([]);
    w.transport.ok({ id: 1 });
    await tick();
    expect(w.store.size).toBe(0);
  });

  it("replays pending ops onto a freshly loaded store after a reload", async () => {
    const storage = new MemoryStorage();
    const before = setup(storage, () => false);
    before.store.reset([fromRecord(rec()), fromRecord(rec({ id: 6 }))]);
    const a = before.editor.createBox(2, { x: 1, y: 1, w: 3, h: 3 });
    before.editor.updateBox("id:5", { x: 60, y: 60, w: 20, h: 20 });
    before.editor.remove("id:6");
    // reload: same storage, server still has the old state
    const after = setup(storage, () => false);
    after.store.reset([fromRecord(rec()), fromRecord(rec({ id: 6 }))]);
    expect(replayPending(after.store, after.outbox, 1)).toBe(3);
    expect(after.store.byClientId(a.clientId)).toMatchObject({ label: 2, id: null });
    expect(after.store.get("id:5")!.box).toEqual({ x: 60, y: 60, w: 20, h: 20 });
    expect(after.store.byId(6)).toBeUndefined();
    expect(after.transport.calls).toHaveLength(0); // replay is REMOTE: nothing sent twice
  });

  it("does not duplicate a create the server already has (response lost before a crash)", () => {
    const storage = new MemoryStorage();
    const before = setup(storage, () => false);
    const a = before.editor.createBox(2, { x: 1, y: 1, w: 3, h: 3 });
    const after = setup(storage, () => false);
    after.store.reset([fromRecord(rec({ id: 9, client_id: a.clientId }))]);
    replayPending(after.store, after.outbox, 1);
    expect(after.store.size).toBe(1);
  });
});

describe("bindOutbox with polygons and masks", () => {
  const poly = (over: Partial<AnnotationRecord> = {}) =>
    rec({ kind: "polygon", box: null, polygon: [[[0, 0], [10, 0], [10, 10]]], ...over });

  it("sends new rings and mask pixels as `polygon` and `mask`, and reverts them when refused", async () => {
    const w = setup();
    w.store.reset([fromRecord(poly())]);
    w.editor.updateRings("id:5", [[[0, 0], [20, 0], [20, 20]]]);
    await tick();
    expect(w.transport.calls[0]).toMatchObject({ method: "update", id: 5, body: { version: 2, polygon: [[[0, 0], [20, 0], [20, 20]]] } });
    w.transport.fail(400, "invalid", { detail: "A point lies outside the image." });
    await tick();
    expect(w.store.get("id:5")!.rings).toEqual([[[0, 0], [10, 0], [10, 10]]]);

    const m = w.editor.createMask(1, { size: [2, 2], counts: "0200" });
    await tick();
    expect(w.transport.calls[1]).toMatchObject({ method: "create", body: { kind: "mask", mask: { size: [2, 2], counts: "0200" } } });
    w.transport.ok({ id: 9, version: 1 });
    await tick();
    w.editor.updateMask(m.key, { size: [2, 2], counts: "04" });
    await tick();
    expect(w.transport.calls[2]).toMatchObject({ method: "update", id: 9, body: { version: 1, mask: { size: [2, 2], counts: "04" } } });
  });

  it("replays a pending ring edit onto a freshly loaded store", () => {
    const storage = new MemoryStorage();
    const w = setup(storage, () => false);
    w.store.reset([fromRecord(poly())]);
    w.editor.updateRings("id:5", [[[1, 1], [9, 1], [9, 9]]]);
    const fresh = new AnnotationStore();
    fresh.reset([fromRecord(poly())]);
    expect(replayPending(fresh, w.outbox, 1)).toBe(1);
    expect(fresh.get("id:5")!.rings).toEqual([[[1, 1], [9, 1], [9, 9]]]);
  });
});
