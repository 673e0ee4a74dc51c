/**
 * The polygon and mask layer under the boxes. Polygons are merged into one Path2D per label
 * colour (filled even-odd, so holes stay open, and stroked as hairlines), rebuilt only when
 * the store changes; each mask is decoded once into a tinted bitmap of the image's size and
 * drawn through the view's transform, pixels as pixels.
 */
import type { Rle } from "../../api/annotations";
import type { Ann } from "../core/store";
import { rleDecode } from "../shapes/rle";

interface PolygonGroup {
  color: string;
  path: Path2D;
  dashed: boolean;
}

const FILL_ALPHA = 0.2;
/** Above this many polygons, hairline outlines only: translucent fills of thousands of
 * overlapping shapes are what a software rasteriser chokes on, and at that density thin reads
 * better (as for boxes). */
const FILL_LIMIT = 300;
const MASK_ALPHA = 0.45;

function rgb(color: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6})$/i.exec(color.trim());
  const n = m ? parseInt(m[1]!, 16) : 0xffffff;
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A mask as an image-sized canvas: its pixels in `color`, the rest transparent. */
function maskBitmap(mask: Rle, color: string): HTMLCanvasElement | null {
  let pixels: Uint8Array;
  try {
    pixels = rleDecode(mask);
  } catch {
    return null; // the server checks masks; a broken one is not drawn rather than thrown
  }
  const [h, w] = mask.size;
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  const image = ctx.createImageData(w, h);
  const [r, g, b] = rgb(color);
  for (let i = 0; i < pixels.length; i++) {
    if (!pixels[i]) continue;
    const o = i * 4;
    image.data[o] = r;
    image.data[o + 1] = g;
    image.data[o + 2] = b;
    image.data[o + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

export class ShapeLayer {
  private polygons: PolygonGroup[] = [];
  private masks: HTMLCanvasElement[] = [];
  private readonly bitmaps = new WeakMap<Ann, HTMLCanvasElement | null>();
  count = 0;

  rebuild(all: readonly Ann[], colorOf: (ann: Ann) => string, dashed: (ann: Ann) => boolean): void {
    const groups = new Map<string, PolygonGroup>();
    this.masks = [];
    this.count = 0;
    if (typeof Path2D === "undefined") return;
    for (const ann of all) {
      if (ann.kind === "polygon" && ann.rings) {
        const color = colorOf(ann);
        const d = dashed(ann);
        const key = `${color}|${d ? 1 : 0}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { color, path: new Path2D(), dashed: d }));
        for (const ring of ann.rings) {
          ring.forEach(([x, y], i) => (i ? g!.path.lineTo(x, y) : g!.path.moveTo(x, y)));
          g.path.closePath();
        }
        this.count++;
      } else if (ann.kind === "mask" && ann.mask) {
        let bitmap = this.bitmaps.get(ann);
        if (bitmap === undefined) {
          bitmap = maskBitmap(ann.mask, colorOf(ann));
          this.bitmaps.set(ann, bitmap);
        }
        if (bitmap) this.masks.push(bitmap);
        this.count++;
      }
    }
    this.polygons = [...groups.values()];
  }

  draw(ctx: CanvasRenderingContext2D, s: number, tx: number, ty: number, dpr: number,
    selected: { ann: Ann; color: string } | null = null): void {
    if (!this.count) return;
    ctx.save();
    ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * tx, dpr * ty);
    if (this.masks.length) {
      ctx.imageSmoothingEnabled = false;
      ctx.globalAlpha = MASK_ALPHA;
      for (const m of this.masks) ctx.drawImage(m, 0, 0);
    }
    const rich = this.count <= FILL_LIMIT;
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
    if (selected?.ann.rings) {
      ctx.setLineDash([]);
      ctx.lineWidth = 3 / s;
      ctx.strokeStyle = selected.color;
      const path = new Path2D();
      for (const ring of selected.ann.rings) {
        ring.forEach(([x, y], i) => (i ? path.lineTo(x, y) : path.moveTo(x, y)));
        path.closePath();
      }
      ctx.stroke(path);
      ctx.fillStyle = "#ffffff";
      const r = 3 / s;
      for (const ring of selected.ann.rings) for (const [x, y] of ring) ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
    }
    ctx.restore();
  }
}
