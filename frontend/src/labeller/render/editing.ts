/**
 * What editing shapes looks like: the selected polygon with its vertices and the dots that add
 * one mid-edge, a polygon being dragged, a brush stroke in progress and the brush's outline.
 * Everything but the stroke is drawn in screen pixels, so handles keep their size at any zoom.
 */
import type { PaintDraft } from "../core/selection";
import type { Rings } from "../core/store";
import { MASK_ALPHA, rgb, type MaskBitmap, type View } from "./shapes";

const VERTEX = 7;
const MID = 5;

function screenPath(rings: Rings, v: View): Path2D {
  const path = new Path2D();
  for (const ring of rings) {
    ring.forEach(([x, y], i) => (i ? path.lineTo(x * v.s + v.tx, y * v.s + v.ty) : path.moveTo(x * v.s + v.tx, y * v.s + v.ty)));
    path.closePath();
  }
  return path;
}

/** A polygon selected or being edited: filled, outlined, its vertices (and mid-edge dots) on top. */
export function drawPolygonEdit(ctx: CanvasRenderingContext2D, rings: Rings, v: View, color: string, handles: boolean): void {
  const path = screenPath(rings, v);
  ctx.globalAlpha = 0.22;
  ctx.fillStyle = color;
  ctx.fill(path, "evenodd");
  ctx.globalAlpha = 1;
  ctx.lineJoin = "round";
  ctx.strokeStyle = "rgba(0,0,0,0.7)";
  ctx.lineWidth = 4;
  ctx.stroke(path);
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.stroke(path);
  if (!handles) return;
  ctx.lineWidth = 1.5;
  for (const ring of rings) {
    for (let i = 0; i < ring.length; i++) {
      const [ax, ay] = ring[i]!, [bx, by] = ring[(i + 1) % ring.length]!;
      const mx = Math.round(((ax + bx) / 2) * v.s + v.tx), my = Math.round(((ay + by) / 2) * v.s + v.ty);
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.arc(mx, my, MID / 2, 0, 2 * Math.PI);
      ctx.fill();
    }
    for (const [x, y] of ring) {
      const hx = Math.round(x * v.s + v.tx) - VERTEX / 2, hy = Math.round(y * v.s + v.ty) - VERTEX / 2;
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(hx, hy, VERTEX, VERTEX);
      ctx.strokeStyle = color;
      ctx.strokeRect(hx + 0.5, hy + 0.5, VERTEX - 1, VERTEX - 1);
    }
  }
}

/** A selected mask: drawn again, stronger, with a dashed box around its pixels. */
export function drawMaskSelected(ctx: CanvasRenderingContext2D, bitmap: MaskBitmap, v: View, color: string): void {
  ctx.save();
  ctx.setTransform(v.dpr * v.s, 0, 0, v.dpr * v.s, v.dpr * v.tx, v.dpr * v.ty);
  ctx.imageSmoothingEnabled = false;
  ctx.globalAlpha = 0.35;
  ctx.drawImage(bitmap.canvas, bitmap.x, bitmap.y);
  ctx.restore();
  const box = { x: bitmap.x, y: bitmap.y, w: bitmap.canvas.width, h: bitmap.canvas.height };
  ctx.setLineDash([5, 3]);
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.strokeRect(Math.round(box.x * v.s + v.tx) - 2.5, Math.round(box.y * v.s + v.ty) - 2.5, Math.round(box.w * v.s) + 5, Math.round(box.h * v.s) + 5);
  ctx.setLineDash([]);
}

/** A brush stroke in progress, copied into a bitmap only where it changed. */
export class PaintLayer {
  private canvas: HTMLCanvasElement | null = null;
  private pixels: Uint8Array | null = null;

  draw(ctx: CanvasRenderingContext2D, d: PaintDraft, v: View, color: string): void {
    const c = (this.canvas ??= document.createElement("canvas"));
    const g = c.getContext("2d");
    if (!g) return;
    if (this.pixels !== d.pixels) {
      // A new stroke: start from nothing (its first dirty rectangle holds the mask so far).
      this.pixels = d.pixels;
      if (c.width !== d.width || c.height !== d.height) {
        c.width = d.width;
        c.height = d.height;
      } else g.clearRect(0, 0, c.width, c.height);
    }
    const r = d.dirty;
    if (r) {
      const w = r.x1 - r.x0 + 1, h = r.y1 - r.y0 + 1;
      const img = g.createImageData(w, h);
      const [cr, cg, cb] = rgb(color);
      for (let y = 0; y < h; y++) {
        const row = (r.y0 + y) * d.width + r.x0;
        for (let x = 0; x < w; x++) {
          if (!d.pixels[row + x]) continue;
          const o = (y * w + x) * 4;
          img.data[o] = cr;
          img.data[o + 1] = cg;
          img.data[o + 2] = cb;
          img.data[o + 3] = 255;
        }
      }
      g.putImageData(img, r.x0, r.y0);
      d.dirty = null;
    }
    ctx.save();
    ctx.setTransform(v.dpr * v.s, 0, 0, v.dpr * v.s, v.dpr * v.tx, v.dpr * v.ty);
    ctx.imageSmoothingEnabled = false;
    ctx.globalAlpha = Math.min(1, MASK_ALPHA + 0.2);
    ctx.drawImage(c, 0, 0);
    ctx.restore();
  }
}

/** The brush's outline around the pointer (screen pixels). */
export function drawBrushCursor(ctx: CanvasRenderingContext2D, p: { x: number; y: number }, radius: number, s: number, erase: boolean): void {
  const r = Math.max(1, radius * s);
  ctx.beginPath();
  ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
  ctx.strokeStyle = "rgba(0,0,0,0.7)";
  ctx.lineWidth = 3;
  ctx.stroke();
  ctx.strokeStyle = erase ? "#f87171" : "#ffffff";
  ctx.lineWidth = 1.5;
  ctx.setLineDash(erase ? [4, 3] : []);
  ctx.stroke();
  ctx.setLineDash([]);
}

