import { describe, expect, it } from "vitest";
import type { AnnotationRecord } from "../../api/annotations";
import { AnnotationStore, fromRecord, LOCAL } from "../core/store";
import { applyCreated, applyDeleted, applyUpdated, reconcile, type ApplyContext } from "./apply";
import { avatarColor, dedupePresence, initials } from "./presence";

const rec = (over: Partial<AnnotationRecord> = {}): AnnotationRecord => ({
  id: 5, image: 1, label: 1, kind: "box", box: { x: 10, y: 10, w: 20, h: 20 }, source: "human",
  score: null, review: "none", version: 2, client_id: null, ...over,
});

function ctx(pending: string[] = []): ApplyContext & { store: AnnotationStore } {
  return { store: new AnnotationStore(), imageId: 1, hasPending: (c) => pending.includes(c) };
}

describe("realtime apply", () => {
  it("adds annotations created by others", () => {
    const c = ctx();
    expect(applyCreated(c, { ...rec(), actor: "bob" })).toBe("applied");
    expect(c.store.byId(5)).toBeDefined();
    expect(applyCreated(c, rec())).toBe("ignored");
    expect(c.store.size).toBe(1);
  });

  it("ignores our own create echo (matched by client_id) but learns its id", () => {
    const c = ctx();
    const mine = c.store.add({ ...fromRecord(rec()), id: null, clientId: "uuid-1", version: 0 }, LOCAL);
    expect(applyCreated(c, rec({ id: 12, client_id: "uuid-1", version: 1 }))).toBe("own");
    expect(c.store.size).toBe(1);
    expect(c.store.get(mine.key)).toMatchObject({ id: 12, version: 1 });
  });

  it("applies updates only when newer", () => {
    const c = ctx();
    c.store.reset([fromRecord(rec())]);
    expect(applyUpdated(c, rec({ version: 2, label: 9 }))).toBe("stale");
    expect(applyUpdated(c, rec({ version: 1, label: 9 }))).toBe("stale");
    expect(c.store.byId(5)!.label).toBe(1);
    expect(applyUpdated(c, rec({ version: 3, label: 9, box: { x: 1, y: 1, w: 1, h: 1 } }))).toBe("applied");
    expect(c.store.byId(5)).toMatchObject({ label: 9, version: 3, box: { x: 1, y: 1, w: 1, h: 1 } });
  });

  it("leaves annotations with pending local changes to the outbox", () => {
    const c = ctx(["id:5"]);
    c.store.reset([fromRecord(rec())]);
    expect(applyUpdated(c, rec({ version: 3, label: 9 }))).toBe("pending");
    expect(c.store.byId(5)!.label).toBe(1);
  });

  it("removes deleted annotations and ignores other images", () => {
    const c = ctx();
    c.store.reset([fromRecord(rec())]);
    expect(applyDeleted(c, { id: 5, image: 2 })).toBe("other-image");
    expect(applyUpdated(c, rec({ image: 2, version: 9 }))).toBe("other-image");
    expect(applyDeleted(c, { id: 5, image: 1, actor: "bob" })).toBe("applied");
    expect(c.store.size).toBe(0);
    expect(applyDeleted(c, { id: 5, image: 1 })).toBe("ignored");
    expect(applyCreated(c, { nonsense: true })).toBe("ignored");
  });

  it("reconciles after a reconnect, keeping pending work", () => {
    const c = ctx(["pending-1"]);
    c.store.reset([fromRecord(rec()), fromRecord(rec({ id: 6 })), fromRecord(rec({ id: 7, client_id: "pending-1" }))]);
    const fresh = c.store.add({ ...fromRecord(rec()), id: null, clientId: "new", version: 0 }, LOCAL);
    const n = reconcile(c, [rec({ version: 3, label: 4 }), rec({ id: 8 })]);
    expect(n).toBe(3); // 5 updated, 8 added, 6 removed
    expect(c.store.byId(5)!.label).toBe(4);
    expect(c.store.byId(6)).toBeUndefined();
    expect(c.store.byId(7)).toBeDefined();
    expect(c.store.byId(8)).toBeDefined();
    expect(c.store.get(fresh.key)).toBeDefined();
  });
});

describe("presence", () => {
  it("dedupes by user and image, this image first", () => {
    const users = dedupePresence([
      { user: "zoe", image: 1 }, { user: "alice", image: 3 }, { user: "alice", image: 3 },
      { user: "bob", image: 1 }, { user: "bob", image: 1 }, { user: "alice", image: 1 }, { user: "", image: 1 }, null,
    ], 1);
    expect(users).toEqual([
      { user: "alice", image: 1 }, { user: "bob", image: 1 }, { user: "zoe", image: 1 }, { user: "alice", image: 3 },
    ]);
    expect(dedupePresence("nope", 1)).toEqual([]);
  });

  it("lists a user on an image once, not also on the project page", () => {
    const users = dedupePresence([
      { user: "alice", image: null }, { user: "alice", image: 1 }, { user: "bob", image: null },
    ], 1);
    expect(users).toEqual([{ user: "alice", image: 1 }, { user: "bob", image: null }]);
  });

  it("makes initials and stable colours", () => {
    expect(initials("alice")).toBe("AL");
    expect(initials("jean-luc picard")).toBe("JL");
    expect(avatarColor("alice")).toBe(avatarColor("alice"));
    expect(avatarColor("alice")).not.toBe(avatarColor("bob"));
  });
});
