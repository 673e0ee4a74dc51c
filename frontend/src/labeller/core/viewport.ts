/**
 * The view onto the image: screen = image * scale + (tx, ty), in CSS pixels of the canvas.
 * Zoom keeps the point under the cursor fixed; fit centres the whole image with a margin.
 */
export interface Point {
  x: number;
  y: number;
}

export const FIT_MARGIN = 24;
const MAX_SCALE = 32;

export class Viewport {
  scale = 1;
  tx = 0;
  ty = 0;
  /** Canvas size in CSS pixels. */
  width = 0;
  height = 0;
  imageWidth = 0;
  imageHeight = 0;
  /** True until the user zooms or pans: a resize then refits. */
  fitted = true;
  rev = 0;
  private readonly listeners = new Set<() => void>();

  on(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  setSize(width: number, height: number): void {
    if (width === this.width && height === this.height) return;
    const cx = this.width / 2;
    const cy = this.height / 2;
    this.width = Math.max(0, width);
    this.height = Math.max(0, height);
    if (this.fitted) {
      this.fit();
      return;
    }
    // Keep what was in the middle in the middle.
    this.tx += this.width / 2 - cx;
    this.ty += this.height / 2 - cy;
    this.changed();
  }

  setImage(width: number, height: number): void {
    this.imageWidth = Math.max(1, width);
    this.imageHeight = Math.max(1, height);
    this.fit();
  }

  fitScale(): number {
    const w = Math.max(1, this.width - 2 * FIT_MARGIN);
    const h = Math.max(1, this.height - 2 * FIT_MARGIN);
    const s = Math.min(w / Math.max(1, this.imageWidth), h / Math.max(1, this.imageHeight));
    return Number.isFinite(s) && s > 0 ? s : 1;
  }

  get minScale(): number {
    return Math.min(this.fitScale() * 0.5, 1);
  }

  get maxScale(): number {
    return Math.max(MAX_SCALE, this.fitScale() * 4);
  }

  fit(): void {
    this.scale = this.fitScale();
    this.tx = (this.width - this.imageWidth * this.scale) / 2;
    this.ty = (this.height - this.imageHeight * this.scale) / 2;
    this.fitted = true;
    this.changed();
  }

  /** Multiply the zoom by `factor`, keeping screen point (sx, sy) over the same image point. */
  zoomAt(sx: number, sy: number, factor: number): void {
    this.zoomTo(this.scale * factor, sx, sy);
  }

  zoomTo(scale: number, sx: number = this.width / 2, sy: number = this.height / 2): void {
    const next = Math.min(this.maxScale, Math.max(this.minScale, scale));
    if (next === this.scale) return;
    const ix = (sx - this.tx) / this.scale;
    const iy = (sy - this.ty) / this.scale;
    this.scale = next;
    this.tx = sx - ix * next;
    this.ty = sy - iy * next;
    this.fitted = false;
    this.constrain();
    this.changed();
  }

  panBy(dx: number, dy: number): void {
    if (dx === 0 && dy === 0) return;
    this.tx += dx;
    this.ty += dy;
    this.fitted = false;
    this.constrain();
    this.changed();
  }

  /** Screen -> image. */
  toImage(sx: number, sy: number): Point {
    return { x: (sx - this.tx) / this.scale, y: (sy - this.ty) / this.scale };
  }

  /** Image -> screen. */
  toScreen(ix: number, iy: number): Point {
    return { x: ix * this.scale + this.tx, y: iy * this.scale + this.ty };
  }

  /** The visible part of the image, in image pixels (for culling). */
  visibleImageRect(): { x0: number; y0: number; x1: number; y1: number } {
    return {
      x0: -this.tx / this.scale,
      y0: -this.ty / this.scale,
      x1: (this.width - this.tx) / this.scale,
      y1: (this.height - this.ty) / this.scale,
    };
  }

  /** Never lose the image: keep at least a strip of it on screen. */
  private constrain(): void {
    const keep = 48;
    const w = this.imageWidth * this.scale;
    const h = this.imageHeight * this.scale;
    this.tx = Math.min(this.width - Math.min(keep, w), Math.max(Math.min(keep, w) - w, this.tx));
    this.ty = Math.min(this.height - Math.min(keep, h), Math.max(Math.min(keep, h) - h, this.ty));
  }

  private changed(): void {
    this.rev++;
    for (const fn of this.listeners) fn();
  }
}
