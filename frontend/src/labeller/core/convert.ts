/**
 * Polygon <-> mask, in place and as one undo step. A polygon becomes the mask of the pixels
 * whose centres it covers (holes left out); a mask becomes one polygon per region, traced
 * along the pixels' edges, so converting it back gives the very same pixels.
 */
import { rasterise, trace } from "../shapes/raster";
import { rleDecode, rleEncode } from "../shapes/rle";
import type { Editor } from "./editor";
import type { Snapshot } from "./history";

export type ConvertResult = { keys: string[] } | { error: string };

export function convertShape(editor: Editor, key: string, width: number, height: number): ConvertResult {
  const ann = editor.store.get(key);
  if (!ann) return { error: "Nothing to convert." };
  let snaps: Snapshot[];
  if (ann.kind === "polygon" && ann.rings) {
    const px = rasterise(ann.rings, width, height);
    if (!px.some((v) => v)) return { error: "This polygon covers no pixel's centre; it has no mask." };
    snaps = [{ kind: "mask", label: ann.label, box: null, mask: rleEncode(px, height, width) }];
  } else if (ann.kind === "mask" && ann.mask) {
    const [h, w] = ann.mask.size;
    snaps = trace(rleDecode(ann.mask), w, h).map((rings) => ({ kind: "polygon" as const, label: ann.label, box: null, rings }));
    if (!snaps.length) return { error: "This mask is empty." };
  } else return { error: "Only polygons and masks convert (select one first)." };
  const made = editor.replace(key, snaps);
  return made ? { keys: made.map((a) => a.key) } : { error: "Nothing to convert." };
}
