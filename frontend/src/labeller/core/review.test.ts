import { describe, expect, it } from "vitest";
import { bindFixes, cycle, isPending, isVisible, nextAfter, pendingOrder, reviewKey } from "./review";
import { AnnotationStore, LOCAL, REMOTE, type AnnFields } from "./store";

let n = 0;
function ann(over: Partial<AnnFields>): AnnFields {
  n++;
  return { id: n, clientId: `c${n}`, kind: "box", label: 1, box: { x: 0, y: 0, w: 20, h: 20 }, source: "model", score: 0.5, review: "pending", version: 1, ...over };
}

describe("pending predictions", () => {
  it("only model + pending counts; rejected is hidden", () => {
    expect(isPending({ source: "model", review: "pending" })).toBe(true);
    expect(isPending({ source: "model", review: "accepted" })).toBe(false);
    expect(isPending({ source: "human", review: "pending" })).toBe(false);
    expect(isVisible({ review: "rejected" })).toBe(false);
    expect(isVisible({ review: "none" })).toBe(true);
  });

  it("walks tags first by score, then boxes in reading order", () => {
    const s = new AnnotationStore();
    s.reset([
      ann({ id: 1, box: { x: 200, y: 10, w: 20, h: 20 } }),
      ann({ id: 2, box: { x: 10, y: 100, w: 20, h: 20 } }),
      ann({ id: 3, box: { x: 10, y: 14, w: 20, h: 20 } }),
      ann({ id: 4, kind: "tag", box: null, score: 0.3 }),
      ann({ id: 5, kind: "tag", box: null, score: 0.9 }),
      ann({ id: 6, source: "human", review: "none" }),
      ann({ id: 7, review: "accepted" }),
    ]);
    expect(pendingOrder(s.all()).map((a) => a.id)).toEqual([5, 4, 3, 1, 2]);
  });

  it("puts predicted polygons and masks in the reading order by their boxes", () => {
    const s = new AnnotationStore();
    s.reset([
      ann({ id: 1, box: { x: 200, y: 10, w: 20, h: 20 } }),
      ann({ id: 2, kind: "polygon", box: null, rings: [[[10, 12], [30, 12], [30, 30]]] }),
      // a 1 x 2 mask: pixel (0, 1) set -> box x 0, y 1
      ann({ id: 3, kind: "mask", box: null, mask: { size: [2, 1], counts: "11" } }),
    ]);
    expect(pendingOrder(s.all()).map((a) => a.id)).toEqual([3, 2, 1]);
  });
});

describe("cycling", () => {
  const order = ["a", "b", "c"];
  it("steps and wraps both ways", () => {
    expect(cycle(order, "a", 1)).toBe("b");
    expect(cycle(order, "c", 1)).toBe("a");
    expect(cycle(order, "a", -1)).toBe("c");
    expect(cycle(order, null, 1)).toBe("a");
    expect(cycle(order, "zz", -1)).toBe("c");
    expect(cycle([], null, 1)).toBeNull();
  });

  it("moves on to the following one after a review", () => {
    expect(nextAfter(order, "b")).toBe("c");
    expect(nextAfter(order, "c")).toBe("a");
    expect(nextAfter(["a"], "a")).toBeNull();
  });
});

describe("reviewKey", () => {
  it("toggles with Shift+R in and out of review mode", () => {
    expect(reviewKey("R", true, false)).toBe("toggle");
    expect(reviewKey("R", true, true)).toBe("toggle");
  });

  it("leaves every key alone outside review mode", () => {
    for (const k of ["a", "r", "n", "Tab", "Enter", "Delete", "d"]) expect(reviewKey(k, false, false)).toBeNull();
  });

  it("maps the review keys in review mode", () => {
    expect(reviewKey("a", false, true)).toBe("accept");
    expect(reviewKey("Enter", false, true)).toBe("accept");
    expect(reviewKey("r", false, true)).toBe("reject");
    expect(reviewKey("Backspace", false, true)).toBe("reject");
    expect(reviewKey("Tab", false, true)).toBe("next");
    expect(reviewKey("Tab", true, true)).toBe("previous");
    expect(reviewKey("A", true, true)).toBe("acceptAll");
    expect(reviewKey("n", false, true)).toBe("nextImage");
    expect(reviewKey("d", false, true)).toBeNull();
    expect(reviewKey("1", false, true)).toBeNull();
  });
});

describe("bindFixes", () => {
  it("shows an edited prediction as the person's own work (after the outbox saw the edit)", async () => {
    const s = new AnnotationStore();
    s.reset([ann({ id: 50 })]);
    const seen: string[] = [];
    s.on((c) => {
      if (c.type === "update") seen.push(`${c.origin}:${c.ann.source}`);
    });
    bindFixes(s);
    s.update("id:50", { box: { x: 5, y: 5, w: 30, h: 30 } }, LOCAL);
    await Promise.resolve();
    expect(s.get("id:50")).toMatchObject({ source: "human", review: "accepted" });
    expect(seen).toEqual(["local:model", "remote:human"]);
  });

  it("ignores remote changes and human annotations", async () => {
    const s = new AnnotationStore();
    s.reset([ann({ id: 60 }), ann({ id: 61, source: "human", review: "none" })]);
    bindFixes(s);
    s.update("id:60", { label: 2 }, REMOTE);
    s.update("id:61", { label: 2 }, LOCAL);
    await Promise.resolve();
    expect(s.get("id:60")!.source).toBe("model");
    expect(s.get("id:61")!.review).toBe("none");
  });
});
