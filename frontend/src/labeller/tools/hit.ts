/**
 * Which box is under a screen point: the selected box wins (handles and edges included,
 * so it can be resized even when others overlap it); otherwise the smallest box that
 * contains the point, so nested boxes stay reachable.
 */
import type { Ann } from "../core/store";
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
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i]!;
    if (a.kind !== "box" || !a.box) continue;
    if (hitTest(a.box, sx, sy, view, tol, false) !== "inside") continue;
    const ar = area(a.box);
    // Ties go to the later (drawn on top) box.
    if (ar <= bestArea) {
      best = a;
      bestArea = ar;
    }
  }
  return best ? { key: best.key, part: "inside" } : null;
}
