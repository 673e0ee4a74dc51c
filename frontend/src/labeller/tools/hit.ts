/**
 * Which annotation is under a screen point: the selected one wins where it has handles (a
 * box's handles and edges, a polygon's vertices and the midpoints of its edges), so it can
 * be edited even when others overlap it; otherwise the smallest box, polygon or mask (by its
 * bounding box) that contains the point, so nested ones stay reachable.
 */
import type { Ann, Rings } from "../core/store";
import { area, hitTest, HIT_TOLERANCE, type ViewTransform } from "../shapes/box";
import { rleBounds, rleDecode } from "../shapes/rle";
import type { HitResult } from "./registry";

const pixels = new WeakMap<Ann, { px: Uint8Array; area: number } | null>();

/** A mask's decoded pixels (once per annotation object) and its bounding-box area. */
function maskPixels(a: Ann): { px: Uint8Array; area: number } | null {
  let got = pixels.get(a);
  if (got === undefined) {
    try {
      const b = rleBounds(a.mask!).box;
      got = b ? { px: rleDecode(a.mask!), area: b.w * b.h } : null;
    } catch {
      got = null;
    }
    pixels.set(a, got);
  }
  return got;
}

/** A polygon's vertex or edge midpoint within `tol` screen pixels of the point. */
export function hitVertex(rings: Rings, view: ViewTransform, sx: number, sy: number, tol: number = HIT_TOLERANCE):
  Pick<HitResult, "part" | "ring" | "index"> | null {
  const near = (x: number, y: number): boolean => Math.hypot(x * view.scale + view.tx - sx, y * view.scale + view.ty - sy) <= tol;
  for (let r = 0; r < rings.length; r++) {
    const ring = rings[r]!;
    for (let i = 0; i < ring.length; i++) if (near(ring[i]![0], ring[i]![1])) return { part: "vertex", ring: r, index: i };
  }
  for (let r = 0; r < rings.length; r++) {
    const ring = rings[r]!;
    for (let i = 0; i < ring.length; i++) {
      const [ax, ay] = ring[i]!, [bx, by] = ring[(i + 1) % ring.length]!;
      if (near((ax + bx) / 2, (ay + by) / 2)) return { part: "edge", ring: r, index: i };
    }
  }
  return null;
}

export function hitTestAnnotations(
  boxes: readonly Ann[],
  selected: string | null,
  view: ViewTransform,
  sx: number,
  sy: number,
  tol: number = HIT_TOLERANCE,
): HitResult | null {
  if (selected !== null) {
    const sel = boxes.find((a) => a.key === selected);
    if (sel?.box) {
      const part = hitTest(sel.box, sx, sy, view, tol, true);
      if (part !== null && part !== "inside") return { key: sel.key, part };
    }
    if (sel?.kind === "polygon" && sel.rings) {
      const v = hitVertex(sel.rings, view, sx, sy, tol);
      if (v) return { key: sel.key, ...v };
    }
  }
  let best: Ann | null = null;
  let bestArea = Infinity;
  const px = (sx - view.tx) / view.scale;
  const py = (sy - view.ty) / view.scale;
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i]!;
    let ar: number;
    if (a.kind === "polygon" && a.rings) {
      if (!insideRings(a.rings, px, py)) continue;
      ar = ringsArea(a.rings);
    } else if (a.kind === "box" && a.box) {
      if (hitTest(a.box, sx, sy, view, tol, false) !== "inside") continue;
      ar = area(a.box);
    } else if (a.kind === "mask" && a.mask) {
      const [h, w] = a.mask.size;
      const x = Math.floor(px), y = Math.floor(py);
      if (x < 0 || y < 0 || x >= w || y >= h) continue;
      const m = maskPixels(a);
      if (!m || !m.px[y * w + x]) continue;
      ar = m.area;
    } else continue;
    // Ties go to the later (drawn on top) box.
    if (ar <= bestArea) {
      best = a;
      bestArea = ar;
    }
  }
  return best ? { key: best.key, part: "inside" } : null;
}

/** Even-odd: inside the outline and not inside a hole. */
export function insideRings(rings: Rings, x: number, y: number): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!, [xj, yj] = ring[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

function ringsArea(rings: Rings): number {
  const xs = rings[0]!.map((p) => p[0]), ys = rings[0]!.map((p) => p[1]);
  return (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
}
