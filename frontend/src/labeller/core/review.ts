/**
 * Reviewing model predictions (pure parts): which annotations are pending predictions, the
 * order Tab walks them in, where the cursor goes after one is accepted or rejected, the
 * review-mode key map, and turning a person's edit of a prediction into their own work.
 */
import type { AnnotationRecord } from "../../api/annotations";
import { boundsOf } from "../shapes/bounds";
import { REMOTE, type Ann, type AnnotationStore } from "./store";

type Reviewable = Pick<Ann, "source" | "review">;

/** A prediction nobody has judged yet. */
export function isPending(a: Reviewable): boolean {
  return a.source === "model" && a.review === "pending";
}

/** Rejected predictions stay on the server (for the stats) but are never shown. */
export function isVisible(a: Pick<AnnotationRecord, "review">): boolean {
  return a.review !== "rejected";
}

/** Pending predictions in review order: image tags first (by score, highest first), then
 * boxes, polygons and masks in reading order of their boxes (top to bottom in rows of similar
 * height, left to right). */
export function pendingOrder(anns: readonly Ann[]): Ann[] {
  const pending = anns.filter(isPending);
  const tags = pending.filter((a) => a.kind === "tag").sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  const shapes = pending.flatMap((a) => {
    const b = a.kind === "tag" ? null : boundsOf(a);
    return b ? [{ a, b }] : [];
  });
  const rowH = shapes.length ? Math.max(8, median(shapes.map((s) => s.b.h)) / 2) : 1;
  shapes.sort(({ b: a }, { b }) => Math.floor(a.y / rowH) - Math.floor(b.y / rowH) || a.x - b.x || a.y - b.y);
  return [...tags, ...shapes.map((s) => s.a)];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** The key `dir` steps from `current` in `order`, wrapping; the first (or last) when current is not in it. */
export function cycle(order: readonly string[], current: string | null, dir: 1 | -1): string | null {
  if (!order.length) return null;
  const i = current === null ? -1 : order.indexOf(current);
  if (i < 0) return dir > 0 ? order[0]! : order[order.length - 1]!;
  return order[(i + dir + order.length) % order.length]!;
}

/** After `done` left the pending list: the one that followed it (wrapping), or null when none is left. */
export function nextAfter(before: readonly string[], done: string): string | null {
  const rest = before.filter((k) => k !== done);
  if (!rest.length) return null;
  const i = before.indexOf(done);
  if (i < 0) return rest[0]!;
  return rest[i % rest.length]!;
}

export type ReviewAction =
  | "toggle" | "accept" | "reject" | "next" | "previous" | "acceptAll" | "nextImage";

/**
 * Review keys. Shift+R toggles review mode anywhere; in review mode A/Enter accept, R/Del
 * reject, Tab/Shift+Tab cycle, Shift+A accepts all above the threshold and N jumps to the
 * next image with pending predictions. Everything else falls through to the normal keys.
 */
export function reviewKey(key: string, shift: boolean, on: boolean): ReviewAction | null {
  const k = key.length === 1 ? key.toLowerCase() : key;
  if (shift && k === "r") return "toggle";
  if (!on) return null;
  if (key === "Tab") return shift ? "previous" : "next";
  if (shift) return k === "a" ? "acceptAll" : null;
  switch (k) {
    case "a":
    case "Enter":
      return "accept";
    case "r":
    case "Delete":
    case "Backspace":
      return "reject";
    case "n":
      return "nextImage";
  }
  return null;
}

/**
 * A person edited a pending prediction (label or box): the server makes it theirs (human,
 * accepted) when the PATCH lands; show it that way at once. Returns the unsubscribe.
 */
export function bindFixes(store: AnnotationStore): () => void {
  return store.on((c) => {
    if (c.type !== "update" || c.origin !== "local" || !isPending(c.prev)) return;
    // After every listener has seen the edit itself (the outbox must save it first).
    queueMicrotask(() => {
      const now = store.get(c.key);
      if (now && isPending(now)) store.update(c.key, { source: "human", review: "accepted" }, REMOTE);
    });
  });
}
