/**
 * Which box or polygon is under a screen point: the selected box wins (handles and edges
 * included, so it can be resized even when others overlap it); otherwise the smallest box
 * or polygon (by its bounding box) that contains the point, so nested ones stay reachable.
 */
import type { Ann, Rings } from "../core/store";
import { area, hitTest, HIT_TOLERANCE, type ViewTransform } from "../shapes/box";
import type { HitResult } from "./registry";

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
