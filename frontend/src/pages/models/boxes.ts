/** Pure geometry for drawing detector boxes (and segmenters' polygons) over an image shown at another size. */
import type { Box } from "../../api/annotations";
import type { BoxPrediction } from "../../api/models";

export interface Size {
  w: number;
  h: number;
}

export interface Rect extends Box {
  scale: number;
}

/** Where an image of `natural` size lands inside `container` with object-fit: contain. */
export function fitContain(natural: Size, container: Size): Rect {
  if (natural.w <= 0 || natural.h <= 0 || container.w <= 0 || container.h <= 0) return { x: 0, y: 0, w: 0, h: 0, scale: 0 };
  const scale = Math.min(container.w / natural.w, container.h / natural.h);
  const w = natural.w * scale;
  const h = natural.h * scale;
  return { x: (container.w - w) / 2, y: (container.h - h) / 2, w, h, scale };
}

/** A box in image pixels -> the same box in the displayed element's pixels. */
export function scaleBox(box: Box, natural: Size, displayed: Size): Box {
  const fit = fitContain(natural, displayed);
  const x0 = Math.max(0, Math.min(natural.w, box.x));
  const y0 = Math.max(0, Math.min(natural.h, box.y));
  const x1 = Math.max(0, Math.min(natural.w, box.x + box.w));
  const y1 = Math.max(0, Math.min(natural.h, box.y + box.h));
  return { x: fit.x + x0 * fit.scale, y: fit.y + y0 * fit.scale, w: (x1 - x0) * fit.scale, h: (y1 - y0) * fit.scale };
}

/** A polygon's rings in image pixels -> the displayed element's pixels. */
export function scaleRings(rings: readonly (readonly [number, number])[][], natural: Size, displayed: Size): [number, number][][] {
  const fit = fitContain(natural, displayed);
  return rings.map((r) => r.map(([x, y]) => [fit.x + x * fit.scale, fit.y + y * fit.scale] as [number, number]));
}

/** The label tag's top-left: above the box, or just inside it when the box touches the top. */
export function tagPosition(box: Box, tag: Size, bounds: Size): { x: number; y: number } {
  const y = box.y - tag.h >= 0 ? box.y - tag.h : box.y;
  const x = Math.max(0, Math.min(box.x, bounds.w - tag.w));
  return { x, y };
}

/** Boxes at or above the threshold, best first. */
export function visibleBoxes(preds: readonly BoxPrediction[], threshold: number): BoxPrediction[] {
  return preds.filter((p) => p.score >= threshold).sort((a, b) => b.score - a.score);
}

/** A stable colour per label name (the same label is the same colour everywhere). */
export function labelColor(label: string): string {
  let hash = 0;
  for (let i = 0; i < label.length; i++) hash = (hash * 31 + label.charCodeAt(i)) >>> 0;
  return `hsl(${hash % 360}, 85%, 62%)`;
}
