/**
 * Masks as row-major 0/1 bytes of the image's size, and the conversions between them and
 * polygons. A pixel belongs to a polygon when its centre is inside (even-odd, so holes stay
 * out); tracing a mask walks the pixels' edges, so the rings it returns fill back to exactly
 * the same pixels. Brush strokes paint discs along the pointer's path.
 */
import type { Rings } from "../core/store";

export interface Dirty {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Grow `into` (or start it) to cover `r`. */
export function unionDirty(into: Dirty | null, r: Dirty | null): Dirty | null {
  if (!r) return into;
  if (!into) return { ...r };
  return { x0: Math.min(into.x0, r.x0), y0: Math.min(into.y0, r.y0), x1: Math.max(into.x1, r.x1), y1: Math.max(into.y1, r.y1) };
}

/** Fill the pixels whose centres are inside the rings (even-odd) with 1. */
export function rasterise(rings: Rings, width: number, height: number, out: Uint8Array = new Uint8Array(width * height)): Uint8Array {
  const xs: number[] = [];
  for (let y = 0; y < height; y++) {
    const yc = y + 0.5;
    xs.length = 0;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i]!, [xj, yj] = ring[j]!;
        if (yi > yc !== yj > yc) xs.push(xi + ((yc - yi) * (xj - xi)) / (yj - yi));
      }
    }
    if (xs.length < 2) continue;
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Pixels x with x + 0.5 in [xa, xb).
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(width - 1, Math.ceil(xs[k + 1]! - 0.5) - 1);
      if (to >= from) out.fill(1, y * width + from, y * width + to + 1);
    }
  }
  return out;
}

/** Paint a disc of radius r (image pixels) with `value`; returns the rectangle touched. */
export function paintDisc(px: Uint8Array, width: number, height: number, cx: number, cy: number, r: number, value: 0 | 1): Dirty | null {
  const y0 = Math.max(0, Math.floor(cy - r)), y1 = Math.min(height - 1, Math.ceil(cy + r));
  const x0 = Math.max(0, Math.floor(cx - r)), x1 = Math.min(width - 1, Math.ceil(cx + r));
  if (y1 < y0 || x1 < x0) return null;
  const r2 = r * r;
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    const half = r2 - dy * dy;
    if (half < 0) continue;
    const dx = Math.sqrt(half);
    const from = Math.max(x0, Math.ceil(cx - dx - 0.5)), to = Math.min(x1, Math.floor(cx + dx - 0.5));
    if (to >= from) px.fill(value, y * width + from, y * width + to + 1);
  }
  return { x0, y0, x1, y1 };
}

/** Paint discs from a to b, close enough that the stroke has no gaps. */
export function paintStroke(px: Uint8Array, width: number, height: number, a: { x: number; y: number }, b: { x: number; y: number },
  r: number, value: 0 | 1): Dirty | null {
  const steps = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / Math.max(0.5, r / 2)));
  let dirty: Dirty | null = null;
  for (let i = 1; i <= steps; i++) {
    const t = i / steps;
    dirty = unionDirty(dirty, paintDisc(px, width, height, a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, r, value));
  }
  return dirty;
}

export function isEmpty(px: Uint8Array): boolean {
  for (let i = 0; i < px.length; i++) if (px[i]) return false;
  return true;
}

// Directions, clockwise on screen (y down): east, south, west, north.
const DX = [1, 0, -1, 0], DY = [0, 1, 0, -1];

/**
 * The mask's outlines as polygons: one entry per connected region (4-connected), each its
 * outline then its holes, in pixel-corner coordinates with only the corners kept.
 */
export function trace(px: Uint8Array, width: number, height: number): Rings[] {
  const W = width + 1;
  const at = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < width && y < height && px[y * width + x] === 1;
  // Boundary edges leaving each corner, as a direction bit set (inside on the right).
  const out = new Map<number, number>();
  const add = (x: number, y: number, d: number): void => {
    const k = y * W + x;
    out.set(k, (out.get(k) ?? 0) | (1 << d));
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (px[y * width + x] !== 1) continue;
      if (!at(x, y - 1)) add(x, y, 0);
      if (!at(x + 1, y)) add(x + 1, y, 1);
      if (!at(x, y + 1)) add(x + 1, y + 1, 2);
      if (!at(x - 1, y)) add(x, y + 1, 3);
    }
  }
  const rings: [number, number][][] = [];
  const walk = (start: number): void => {
    let x = start % W, y = Math.floor(start / W);
    const bits0 = out.get(start)!;
    let d = Math.log2(bits0 & -bits0);
    const ring: [number, number][] = [];
    for (;;) {
      const k = y * W + x;
      const bits = out.get(k) ?? 0;
      // Right turn first, then straight, then left: regions touching at a corner stay apart.
      let next = -1;
      for (const turn of [1, 0, 3]) {
        const c = (d + turn) % 4;
        if (bits & (1 << c)) {
          next = c;
          break;
        }
      }
      if (next < 0) break; // back at the start with no edge left
      out.set(k, bits & ~(1 << next));
      if (next !== d || ring.length === 0) ring.push([x, y]);
      d = next;
      x += DX[d]!;
      y += DY[d]!;
    }
    // The first corner is kept only if the walk turns there.
    if (ring.length >= 2) {
      const [fx, fy] = ring[0]!, [lx, ly] = ring[ring.length - 1]!, [sx, sy] = ring[1]!;
      if ((lx === fx && fx === sx) || (ly === fy && fy === sy)) ring.shift();
    }
    if (ring.length >= 3) rings.push(ring);
  };
  // Start where one edge leaves (a saddle corner, where two regions touch, is passed through).
  for (const start of out.keys()) {
    const bits = out.get(start)!;
    if (bits && (bits & (bits - 1)) === 0) walk(start);
  }
  for (const start of out.keys()) if (out.get(start)) walk(start);
  return group(rings);
}

function signedArea(ring: [number, number][]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += ring[j]![0] * ring[i]![1] - ring[i]![0] * ring[j]![1];
  return a / 2;
}

function inside(ring: [number, number][], x: number, y: number): boolean {
  let c = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!, [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

/** Outlines (clockwise on screen) each with the holes (anticlockwise) that sit right inside them. */
function group(rings: [number, number][][]): Rings[] {
  const outers = rings.filter((r) => signedArea(r) > 0).map((r) => ({ ring: r, area: signedArea(r), holes: [] as [number, number][][] }));
  for (const hole of rings.filter((r) => signedArea(r) < 0)) {
    // The pixel on the inside of the hole's first edge belongs to the region around the hole.
    const [ax, ay] = hole[0]!, [bx, by] = hole[1]!;
    const dx = Math.sign(bx - ax), dy = Math.sign(by - ay);
    const px = ax + dx * 0.5 - dy * 0.5, py = ay + dy * 0.5 + dx * 0.5;
    let best: (typeof outers)[number] | null = null;
    for (const o of outers) if (inside(o.ring, px, py) && (!best || o.area < best.area)) best = o;
    best?.holes.push(hole);
  }
  return outers.map((o) => [o.ring, ...o.holes]);
}
