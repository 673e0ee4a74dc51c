/** The box around any annotation's geometry, in image pixels (null for tags). */
import type { Box } from "../../api/annotations";
import type { Ann } from "../core/store";
import { rleBounds } from "./rle";

export function boundsOf(a: Pick<Ann, "kind" | "box" | "rings" | "mask">): Box | null {
  if (a.box) return a.box;
  if (a.kind === "mask" && a.mask) {
    try {
      return rleBounds(a.mask).box;
    } catch {
      return null;
    }
  }
  if (a.kind !== "polygon" || !a.rings?.length) return null;
  const xs = a.rings[0]!.map((p) => p[0]), ys = a.rings[0]!.map((p) => p[1]);
  const x = Math.min(...xs), y = Math.min(...ys);
  return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y };
}
