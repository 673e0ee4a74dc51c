import { describe, expect, it } from "vitest";
import type { AnnotationRecord } from "../../api/annotations";
import { AnnotationStore, fromRecord, LOCAL, REMOTE, type AnnFields, type StoreChange } from "./store";

const rec = (over: Partial<AnnotationRecord> = {}): AnnotationRecord => ({
  id: 10, image: 1, label: 2, kind: "box", box: { x: 1, y: 2, w: 30, h: 40 }, source: "human",
  score: null, review: "none", version: 3, client_id: null, ...over,
});

const fresh = (over: Partial<AnnFields> = {}): AnnFields => ({
  id: null, clientId: "c-1", kind: "box", label: 1, box: { x: 0, y: 0, w: 10, h: 10 },
  source: "human", score: null, review: "none", version: 0, ...over,
});

describe("AnnotationStore", () => {
  it("keys server rows by id and new ones by a temp key", () => {
    const s = new AnnotationStore();
    s.reset([fromRecord(rec())]);
    expect(s.get("id:10")?.label).toBe(2);
    const a = s.add(fresh(), LOCAL);
    expect(a.key.startsWith("tmp:")).toBe(true);
    expect(a.id).toBeNull();
  });

  it("finds an annotation by server id once it is known (temp key stays)", () => {
    const s = new AnnotationStore();
    const a = s.add(fresh({ clientId: "u-1" }), LOCAL);
    expect(s.byId(55)).toBeUndefined();
    s.setServer(a.key, 55, 1);
    expect(s.byId(55)?.key).toBe(a.key);
    expect(s.byClientId("u-1")?.id).toBe(55);
    expect(s.get(a.key)?.version).toBe(1);
  });

  it("announces changes with their origin", () => {
    const s = new AnnotationStore();
    const seen: [string, string][] = [];
    s.on((c: StoreChange) => seen.push([c.type, c.origin]));
    const a = s.add(fresh(), LOCAL);
    s.update(a.key, { label: 3 }, REMOTE);
    s.remove(a.key, LOCAL);
    s.reset([], REMOTE);
    expect(seen).toEqual([["create", "local"], ["update", "remote"], ["delete", "local"], ["reset", "remote"]]);
  });

  it("update events carry the previous state and a copied box", () => {
    const s = new AnnotationStore();
    const a = s.add(fresh(), LOCAL);
    let prevBox: unknown = null;
    s.on((c) => {
      if (c.type === "update") prevBox = c.prev.box;
    });
    const box = { x: 5, y: 5, w: 5, h: 5 };
    s.update(a.key, { box }, LOCAL);
    box.x = 99;
    expect(prevBox).toEqual({ x: 0, y: 0, w: 10, h: 10 });
    expect(s.get(a.key)?.box?.x).toBe(5);
  });

  it("uses a made-up client id for server rows without one, and the real one otherwise", () => {
    expect(fromRecord(rec()).clientId).toBe("id:10");
    expect(fromRecord(rec({ client_id: "abc" })).clientId).toBe("abc");
    expect(fromRecord(rec({ kind: "tag", box: null })).box).toBeNull();
  });

  it("can bring an annotation back under its old key, and refuses a taken one", () => {
    const s = new AnnotationStore();
    const a = s.add(fresh(), LOCAL);
    s.remove(a.key, LOCAL);
    const b = s.add(fresh({ clientId: "c-2" }), LOCAL, a.key);
    expect(b.key).toBe(a.key);
    expect(() => s.add(fresh({ clientId: "c-3" }), LOCAL, a.key)).toThrow();
  });

  it("bumps rev on every change and lists tags and boxes", () => {
    const s = new AnnotationStore();
    const r0 = s.rev;
    s.add(fresh(), LOCAL);
    s.add(fresh({ clientId: "t", kind: "tag", box: null, label: 4 }), LOCAL);
    expect(s.rev).toBe(r0 + 2);
    expect(s.boxes()).toHaveLength(1);
    expect(s.tags()).toHaveLength(1);
    expect(s.tagFor(4)?.clientId).toBe("t");
  });
});
