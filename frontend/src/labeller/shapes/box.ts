/**
 * Box geometry in image pixels. Hit testing takes the view transform so its tolerance is
 * in screen pixels: handles are as easy to grab at 10% as at 800%.
 */
import type { Box } from "../../api/annotations";

export type Handle = "nw" | "n" | "ne" | "e" | "se" | "s" | "sw" | "w";
export type Part = Handle | "inside";

export const HANDLES: readonly Handle[] = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];
/** Hit tolerance around handles and edges, screen pixels. */
export const HIT_TOLERANCE = 6;
/** Smallest box a resize may leave, image pixels. */
const MIN_SIZE = 1;
/** A drag shorter than this (screen pixels, either axis) draws nothing. */
export const MIN_DRAG = 4;

export interface ViewTransform {
  scale: number;
  tx: number;
  ty: number;
}

export function normalize(x0: number, y0: number, x1: number, y1: number): Box {
  return { x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) };
}

/** Intersect with the image [0, W] x [0, H]. */
export function clampBox(b: Box, width: number, height: number): Box {
  const x0 = Math.min(width, Math.max(0, b.x));
  const y0 = Math.min(height, Math.max(0, b.y));
  const x1 = Math.min(width, Math.max(0, b.x + b.w));
  const y1 = Math.min(height, Math.max(0, b.y + b.h));
  return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
}

/** Round to 1/100 px so saved numbers stay short. */
function tidy(b: Box): Box {
  const r = (v: number): number => Math.round(v * 100) / 100;
  return { x: r(b.x), y: r(b.y), w: r(b.w), h: r(b.h) };
}

/** A drag from one image point to another, as a box inside the image. */
export function boxFromDrag(x0: number, y0: number, x1: number, y1: number, width: number, height: number): Box {
  return tidy(clampBox(normalize(x0, y0, x1, y1), width, height));
}

/** True when a drag in screen pixels is too small to mean a box. */
export function isTinyDrag(dxScreen: number, dyScreen: number, min: number = MIN_DRAG): boolean {
  return Math.abs(dxScreen) < min || Math.abs(dyScreen) < min;
}

export function handlePoint(b: Box, h: Handle): { x: number; y: number } {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const r = b.x + b.w;
  const bt = b.y + b.h;
  switch (h) {
    case "nw": return { x: b.x, y: b.y };
    case "n": return { x: cx, y: b.y };
    case "ne": return { x: r, y: b.y };
    case "e": return { x: r, y: cy };
    case "se": return { x: r, y: bt };
    case "s": return { x: cx, y: bt };
    case "sw": return { x: b.x, y: bt };
    case "w": return { x: b.x, y: cy };
  }
}

/**
 * What part of box `b` is at screen point (sx, sy): a handle (corners and edge midpoints,
 * within `tol` screen px), an edge (as its side handle), the inside, or null.
 * With `handles` false only the inside counts (unselected boxes).
 */
export function hitTest(b: Box, sx: number, sy: number, v: ViewTransform, tol: number = HIT_TOLERANCE, handles = true): Part | null {
  const x0 = b.x * v.scale + v.tx;
  const y0 = b.y * v.scale + v.ty;
  const x1 = (b.x + b.w) * v.scale + v.tx;
  const y1 = (b.y + b.h) * v.scale + v.ty;
  if (handles) {
    let best: Handle | null = null;
    let bestD = tol;
    for (const h of HANDLES) {
      const p = handlePoint(b, h);
      const d = Math.max(Math.abs(p.x * v.scale + v.tx - sx), Math.abs(p.y * v.scale + v.ty - sy));
      if (d <= bestD) {
        best = h;
        bestD = d;
      }
    }
    if (best) return best;
    const inY = sy >= y0 - tol && sy <= y1 + tol;
    const inX = sx >= x0 - tol && sx <= x1 + tol;
    if (inY && Math.abs(sx - x0) <= tol) return "w";
    if (inY && Math.abs(sx - x1) <= tol) return "e";
    if (inX && Math.abs(sy - y0) <= tol) return "n";
    if (inX && Math.abs(sy - y1) <= tol) return "s";
  }
  if (sx >= x0 && sx <= x1 && sy >= y0 && sy <= y1) return "inside";
  return null;
}

/**
 * Drag handle `h` of `orig` to image point (px, py). The opposite side stays put; dragging
 * past it flips the box. The result is inside the image and at least `min` px wide/high.
 */
export function resizeBox(orig: Box, h: Handle, px: number, py: number, width: number, height: number, min: number = MIN_SIZE): Box {
  let x0 = orig.x;
  let y0 = orig.y;
  let x1 = orig.x + orig.w;
  let y1 = orig.y + orig.h;
  const cx = Math.min(width, Math.max(0, px));
  const cy = Math.min(height, Math.max(0, py));
  if (h.includes("w")) x0 = cx;
  if (h.includes("e")) x1 = cx;
  if (h === "n" || h === "nw" || h === "ne") y0 = cy;
  if (h === "s" || h === "sw" || h === "se") y1 = cy;
  const b = normalize(x0, y0, x1, y1);
  return tidy(ensureMin(b, min, width, height));
}

function ensureMin(b: Box, min: number, width: number, height: number): Box {
  let { x, y, w, h } = b;
  if (w < min) {
    w = Math.min(min, width);
    x = Math.min(Math.max(0, x), width - w);
  }
  if (h < min) {
    h = Math.min(min, height);
    y = Math.min(Math.max(0, y), height - h);
  }
  return { x, y, w, h };
}

/** Translate by (dx, dy) image px, keeping the whole box inside the image. */
export function moveBox(orig: Box, dx: number, dy: number, width: number, height: number): Box {
  const x = Math.min(Math.max(0, orig.x + dx), Math.max(0, width - orig.w));
  const y = Math.min(Math.max(0, orig.y + dy), Math.max(0, height - orig.h));
  return tidy({ x, y, w: orig.w, h: orig.h });
}

export function area(b: Box): number {
  return b.w * b.h;
}

export function cursorFor(part: Part | null): string {
  switch (part) {
    case "nw":
    case "se":
      return "nwse-resize";
    case "ne":
    case "sw":
      return "nesw-resize";
    case "n":
    case "s":
      return "ns-resize";
    case "e":
    case "w":
      return "ew-resize";
    case "inside":
      return "move";
    default:
      return "default";
  }
}
