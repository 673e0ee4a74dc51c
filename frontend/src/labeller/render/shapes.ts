/**
 * The polygon and mask layer under the boxes. Polygons are merged into one Path2D per label
 * colour (filled even-odd, so holes stay open, and stroked as hairlines), rebuilt only when
 * the store changes; each mask is decoded once into a tinted bitmap of its bounding box and
 * drawn through the view's transform, pixels as pixels.
 *
 * Many polygons are drawn once into a cached bitmap a little larger than the view, which is
 * then only moved and scaled while the view pans and zooms; it is drawn again when the view
 * leaves it, the zoom has changed by a quarter, or the view has rested (so it is sharp again).
 */
import type { Rle } from "../../api/annotations";
import type { Ann } from "../core/store";
import { rleBounds, rleDecode } from "../shapes/rle";

interface PolygonGroup {
  color: string;
  path: Path2D;
  dashed: boolean;
}

export interface View {
  s: number;
  tx: number;
  ty: number;
  cssW: number;
  cssH: number;
  dpr: number;
}

const FILL_ALPHA = 0.2;
/** Above this many polygons, hairline outlines only: translucent fills of thousands of
 * overlapping shapes are what a software rasteriser chokes on, and at that density thin reads
 * better (as for boxes). */
const FILL_LIMIT = 300;
export const MASK_ALPHA = 0.45;
/** From this many polygons on, they are drawn through the cached bitmap. */
const CACHE_FROM = 200;
/** The cache reaches this fraction of the view beyond each side. */
const MARGIN = 0.25;
/** The cache is used while the zoom is within this factor of the one it was drawn at. */
const MAX_STRETCH = 1.25;

export function rgb(color: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(color.trim());
  const n = m ? parseInt(m[1]!, 16) : 0xffffff;
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A mask as a canvas the size of its bounding box: its pixels in `color`, the rest
 * transparent (image-sized bitmaps of many masks would not fit in memory). */
function maskBitmap(mask: Rle, color: string): MaskBitmap | null {
  let pixels: Uint8Array;
  let box: { x: number; y: number; w: number; h: number } | null;
  try {
    pixels = rleDecode(mask);
    box = rleBounds(mask).box;
  } catch {
    return null; // the server checks masks; a broken one is not drawn rather than thrown
  }
  if (!box) return null;
  const w = mask.size[1];
  const canvas = document.createElement("canvas");
  canvas.width = box.w;
  canvas.height = box.h;
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  const image = ctx.createImageData(box.w, box.h);
  const [r, g, b] = rgb(color);
  for (let y = 0; y < box.h; y++) {
    const row = (box.y + y) * w + box.x;
    for (let x = 0; x < box.w; x++) {
      if (!pixels[row + x]) continue;
      const o = (y * box.w + x) * 4;
      image.data[o] = r;
      image.data[o + 1] = g;
      image.data[o + 2] = b;
      image.data[o + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  return { canvas, x: box.x, y: box.y };
}

export interface MaskBitmap {
  canvas: HTMLCanvasElement;
  /** Where its top-left pixel sits in the image. */
  x: number;
  y: number;
}

export function ringsPath(rings: readonly (readonly [number, number])[][], path: Path2D = new Path2D()): Path2D {
  for (const ring of rings) {
    ring.forEach(([x, y], i) => (i ? path.lineTo(x, y) : path.moveTo(x, y)));
    path.closePath();
  }
  return path;
}

export class ShapeLayer {
  private polygons: PolygonGroup[] = [];
  private masks: { key: string; bitmap: MaskBitmap }[] = [];
  private readonly bitmaps = new WeakMap<Ann, MaskBitmap | null>();
  private polygonCount = 0;
  count = 0;
  private rev = 0;
  private cache: HTMLCanvasElement | null = null;
  private cached: { rev: number; s: number; ox: number; oy: number; w: number; h: number } | null = null;
  /** The last frame drew the cache stretched (not at the zoom it was drawn at). */
  stretched = false;

  rebuild(all: readonly Ann[], colorOf: (ann: Ann) => string, dashed: (ann: Ann) => boolean, hidden: string | null = null): void {
    const groups = new Map<string, PolygonGroup>();
    this.masks = [];
    this.count = 0;
    this.polygonCount = 0;
    this.rev++;
    if (typeof Path2D === "undefined") return;
    for (const ann of all) {
      if (ann.kind === "polygon" && ann.rings) {
        this.count++;
        this.polygonCount++;
        if (ann.key === hidden) continue;
        const color = colorOf(ann);
        const d = dashed(ann);
        const key = `${color}|${d ? 1 : 0}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { color, path: new Path2D(), dashed: d }));
        ringsPath(ann.rings, g.path);
      } else if (ann.kind === "mask" && ann.mask) {
        this.count++;
        if (ann.key === hidden) continue;
        let bitmap = this.bitmaps.get(ann);
        if (bitmap === undefined) {
          bitmap = maskBitmap(ann.mask, colorOf(ann));
          this.bitmaps.set(ann, bitmap);
        }
        if (bitmap) this.masks.push({ key: ann.key, bitmap });
      }
    }
    this.polygons = [...groups.values()];
  }

  /** The mask's bitmap (to draw it again, highlighted, when selected). */
  maskOf(key: string): MaskBitmap | null {
    return this.masks.find((m) => m.key === key)?.bitmap ?? null;
  }

  /** Drop the cache (the view has rested: draw it sharp at the zoom it is at). */
  refresh(): void {
    this.cached = null;
  }

  draw(ctx: CanvasRenderingContext2D, v: View): void {
    if (!this.count) return;
    const { s, tx, ty, dpr } = v;
    if (this.masks.length) {
      ctx.save();
      ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * tx, dpr * ty);
      ctx.imageSmoothingEnabled = false;
      ctx.globalAlpha = MASK_ALPHA;
      for (const m of this.masks) ctx.drawImage(m.bitmap.canvas, m.bitmap.x, m.bitmap.y);
      ctx.restore();
    }
    this.stretched = false;
    if (!this.polygons.length) return;
    if (this.polygonCount < CACHE_FROM || typeof document === "undefined") {
      this.paintPolygons(ctx, dpr * s, dpr * tx, dpr * ty, s);
      return;
    }
    if (!this.fits(v)) this.render(v);
    const c = this.cached!;
    const k = s / c.s;
    ctx.save();
    ctx.setTransform(k, 0, 0, k, dpr * (tx - c.ox * k), dpr * (ty - c.oy * k));
    ctx.imageSmoothingEnabled = k !== 1;
    ctx.drawImage(this.cache!, 0, 0);
    ctx.restore();
    this.stretched = k !== 1;
  }

  /** Whether the cache covers the view at about its zoom. */
  private fits(v: View): boolean {
    const c = this.cached;
    if (!c || c.rev !== this.rev || !this.cache) return false;
    const k = v.s / c.s;
    if (k > MAX_STRETCH || k < 1 / MAX_STRETCH) return false;
    // The view's corners in the cache's CSS pixels.
    const x0 = c.ox - v.tx / k, y0 = c.oy - v.ty / k;
    const x1 = x0 + v.cssW / k, y1 = y0 + v.cssH / k;
    return x0 >= 0 && y0 >= 0 && x1 <= c.w && y1 <= c.h;
  }

  private render(v: View): void {
    const w = Math.ceil(v.cssW * (1 + 2 * MARGIN)), h = Math.ceil(v.cssH * (1 + 2 * MARGIN));
    const cache = (this.cache ??= document.createElement("canvas"));
    const pw = Math.round(w * v.dpr), ph = Math.round(h * v.dpr);
    if (cache.width !== pw || cache.height !== ph) {
      cache.width = pw;
      cache.height = ph;
    }
    const ctx = cache.getContext("2d");
    if (!ctx) return;
    const ox = v.tx + MARGIN * v.cssW, oy = v.ty + MARGIN * v.cssH;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, pw, ph);
    this.paintPolygons(ctx, v.dpr * v.s, v.dpr * ox, v.dpr * oy, v.s);
    this.cached = { rev: this.rev, s: v.s, ox, oy, w, h };
  }

  private paintPolygons(ctx: CanvasRenderingContext2D, a: number, e: number, f: number, s: number): void {
    ctx.save();
    ctx.setTransform(a, 0, 0, a, e, f);
    const rich = this.polygonCount <= FILL_LIMIT;
    ctx.lineWidth = (rich ? 1.5 : 1) / s;
    ctx.lineJoin = rich ? "round" : "miter";
    for (const g of this.polygons) {
      if (rich) {
        ctx.globalAlpha = FILL_ALPHA;
        ctx.fillStyle = g.color;
        ctx.fill(g.path, "evenodd");
        ctx.globalAlpha = 1;
      }
      ctx.strokeStyle = g.color;
      ctx.setLineDash(g.dashed ? [6 / s, 4 / s] : []);
      ctx.stroke(g.path);
    }
    ctx.restore();
  }
}
