/**
 * Draws the image and its annotations on one <canvas>. It only listens (store, viewport,
 * interaction) and paints on the next animation frame when something changed; it never
 * touches the API. Boxes are stroked in screen space (crisp at any zoom), one path per
 * label colour, culled to the view; label tags are skipped when boxes are tiny or many.
 * Polygons and masks are drawn under the boxes (render/shapes.ts); the shape being edited,
 * a brush stroke and the brush's outline over them (render/editing.ts).
 */
import { textOn } from "../../lib/format";
import type { Interaction } from "../core/selection";
import type { Ann, AnnotationStore } from "../core/store";
import type { Viewport } from "../core/viewport";
import { isPending } from "../core/review";
import { HANDLES, handlePoint } from "../shapes/box";
import { drawBrushCursor, drawMaskSelected, drawPolygonEdit, PaintLayer } from "./editing";
import { ImagePyramid } from "./mipmap";
import { ShapeLayer, type View } from "./shapes";

export interface LabelStyle {
  color: string;
  name: string;
}

export interface RendererSources {
  store: AnnotationStore;
  viewport: Viewport;
  interaction: Interaction;
  style: (label: number) => LabelStyle;
  /** The brush or eraser in use (its outline follows the pointer), or null. */
  brush?: () => { radius: number; erase: boolean } | null;
}

interface Entry {
  ann: Ann;
  text: string;
  textW: number;
  textColor: string;
}

interface Group {
  color: string;
  dashed: boolean;
  entries: Entry[];
}

const BG = "#0b0d10";
const FONT = "600 11px ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const DASH = [6, 4];
const DRAFT_DASH = [5, 3];
const GHOST = "#4cc38a"; // a previewed box: the theme's "ok" green
const NO_DASH: number[] = [];
/** Milliseconds of a still view after which stretched cached polygons are drawn sharp again. */
const SETTLE_MS = 150;
/** Above this many boxes on screen, no label tags (they would be unreadable anyway). */
const TAG_LIMIT = 250;
/**
 * Above this many boxes on screen, draw 1 px hairlines without fills or outlines: software
 * rasterisers stroke hairlines several times faster, and at that density thin reads better.
 */
const RICH_LIMIT = 300;
const HANDLE = 8;

export class CanvasRenderer {
  /** Frames actually drawn (benchmarks read it). */
  frames = 0;
  private readonly ctx: CanvasRenderingContext2D;
  private dpr = 1;
  private cssW = 0;
  private cssH = 0;
  private raf = 0;
  private pyramid: ImagePyramid | null = null;
  private groups: Group[] = [];
  private byKey = new Map<string, Entry>();
  private groupsRev = -1;
  private readonly widths = new Map<string, number>();
  private readonly shapes = new ShapeLayer();
  private readonly paint = new PaintLayer();
  private hiddenShape: string | null = null;
  private settle: ReturnType<typeof setTimeout> | null = null;

  /** Polygons and masks in the last rebuild (tests and benchmarks read it). */
  get shapeCount(): number {
    return this.shapes.count;
  }
  /** Visible entries of the current frame and their screen rects (reused, never shrunk). */
  private vis: Entry[] = [];
  private visRect = new Float64Array(4 * 1024);
  private visCount = 0;
  private readonly offs: (() => void)[] = [];

  constructor(readonly canvas: HTMLCanvasElement, private readonly src: RendererSources) {
    const ctx = canvas.getContext("2d", { alpha: false });
    if (!ctx) throw new Error("Canvas 2D is not available");
    this.ctx = ctx;
    this.offs.push(
      src.store.on(() => this.invalidate()),
      src.viewport.on(() => this.invalidate()),
      src.interaction.on(() => this.invalidate()),
    );
  }

  /** Set the displayed image (null while loading: boxes draw over a placeholder). */
  setImage(img: (CanvasImageSource & { width: number; height: number }) | null, width = 0, height = 0): void {
    this.pyramid?.dispose();
    this.pyramid = img ? new ImagePyramid(img, width, height, () => this.invalidate()) : null;
    this.invalidate();
  }

  /** Label colours or names changed. */
  restyle(): void {
    this.groupsRev = -1;
    this.invalidate();
  }

  resize(cssW: number, cssH: number, dpr: number): void {
    this.cssW = Math.max(1, Math.floor(cssW));
    this.cssH = Math.max(1, Math.floor(cssH));
    this.dpr = dpr > 0 ? dpr : 1;
    this.canvas.width = Math.round(this.cssW * this.dpr);
    this.canvas.height = Math.round(this.cssH * this.dpr);
    this.canvas.style.width = `${this.cssW}px`;
    this.canvas.style.height = `${this.cssH}px`;
    this.src.viewport.setSize(this.cssW, this.cssH);
    this.invalidate();
    this.draw();
  }

  invalidate(): void {
    if (this.raf || typeof requestAnimationFrame !== "function") return;
    this.raf = requestAnimationFrame(this.onFrame);
  }

  destroy(): void {
    for (const off of this.offs) off();
    if (this.raf) cancelAnimationFrame(this.raf);
    if (this.settle) clearTimeout(this.settle);
    this.pyramid?.dispose();
  }

  private readonly onFrame = (): void => {
    this.raf = 0;
    this.draw();
  };

  draw(): void {
    const { ctx, dpr } = this;
    const vp = this.src.viewport;
    const s = vp.scale;
    const tx = vp.tx;
    const ty = vp.ty;
    this.frames++;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = BG;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.drawImage(s, tx, ty);
    const it = this.src.interaction;
    const hidden = it.draft?.key ?? null;
    if (this.groupsRev !== this.src.store.rev || this.hiddenShape !== hidden) this.rebuild();
    const view: View = { s, tx, ty, cssW: this.cssW, cssH: this.cssH, dpr };
    this.shapes.draw(ctx, view);
    this.settleLater();
    this.drawSelectedShape(view, hidden);
    // Decided from the previous frame's count: a one-frame lag is invisible.
    this.drawBoxes(s, tx, ty, this.visCount <= RICH_LIMIT);
    if (this.visCount <= TAG_LIMIT) this.drawTags(null);
    this.drawGhosts(s, tx, ty);
    this.drawFocus(s, tx, ty);
    this.drawDraft(s, tx, ty);
    this.drawMarks(s, tx, ty);
    this.drawGuides();
    const brush = this.src.brush?.();
    if (brush && it.pointer) drawBrushCursor(ctx, it.pointer, brush.radius, s, brush.erase);
  }

  /** Cached polygons drawn stretched: draw them sharp once the view has been still a moment. */
  private settleLater(): void {
    if (this.settle) clearTimeout(this.settle);
    this.settle = null;
    if (!this.shapes.stretched) return;
    this.settle = setTimeout(() => {
      this.settle = null;
      this.shapes.refresh();
      this.invalidate();
    }, SETTLE_MS);
  }

  /** The selected polygon with its handles, or the selected mask highlighted. */
  private drawSelectedShape(view: View, hidden: string | null): void {
    const key = this.src.interaction.selected;
    const sel = key !== null && key !== hidden ? this.src.store.get(key) : undefined;
    if (!sel) return;
    const color = this.src.style(sel.label).color;
    if (sel.kind === "polygon" && sel.rings) drawPolygonEdit(this.ctx, sel.rings, view, color, true);
    else if (sel.kind === "mask" && sel.mask) {
      const bitmap = this.shapes.maskOf(sel.key);
      if (bitmap) drawMaskSelected(this.ctx, bitmap, view, color);
    }
  }

  private drawImage(s: number, tx: number, ty: number): void {
    const { ctx } = this;
    const vp = this.src.viewport;
    const iw = vp.imageWidth;
    const ih = vp.imageHeight;
    ctx.fillStyle = "#161a21";
    ctx.fillRect(Math.round(tx), Math.round(ty), Math.round(iw * s), Math.round(ih * s));
    const p = this.pyramid;
    if (!p) return;
    // Only the visible part of the source, from the smallest level that is still sharp.
    const x0 = Math.max(0, -tx / s);
    const y0 = Math.max(0, -ty / s);
    const x1 = Math.min(iw, (this.cssW - tx) / s);
    const y1 = Math.min(ih, (this.cssH - ty) / s);
    if (x1 <= x0 || y1 <= y0) return;
    const level = p.pick(s * this.dpr);
    const f = level.factor;
    // The pyramid already did the heavy downscaling: bilinear from a level at most 2x larger
    // is sharp and cheap. Pixels show as pixels once zoomed in far.
    ctx.imageSmoothingEnabled = s * this.dpr < 4;
    ctx.imageSmoothingQuality = "low";
    ctx.drawImage(level.source, x0 * f, y0 * f, (x1 - x0) * f, (y1 - y0) * f, x0 * s + tx, y0 * s + ty, (x1 - x0) * s, (y1 - y0) * s);
  }

  /** Regroup by colour and style; runs only when the store changed. */
  private rebuild(): void {
    const map = new Map<string, Group>();
    this.byKey = new Map();
    this.ctx.font = FONT;
    for (const ann of this.src.store.all()) {
      if (ann.kind !== "box" || !ann.box) continue;
      const st = this.src.style(ann.label);
      // Pending predictions: dashed with their score; accepted ones look like human work.
      const dashed = isPending(ann);
      const gk = `${st.color}|${dashed ? 1 : 0}`;
      let g = map.get(gk);
      if (!g) map.set(gk, (g = { color: st.color, dashed, entries: [] }));
      const text = dashed && ann.score !== null ? `${st.name} ${Math.round(ann.score * 100)}%` : st.name;
      let w = this.widths.get(text);
      if (w === undefined) {
        w = Math.ceil(this.ctx.measureText(text).width);
        this.widths.set(text, w);
      }
      const entry: Entry = { ann, text, textW: w, textColor: textOn(st.color) };
      g.entries.push(entry);
      this.byKey.set(ann.key, entry);
    }
    this.groups = [...map.values()];
    this.hiddenShape = this.src.interaction.draft?.key ?? null;
    this.shapes.rebuild(this.src.store.all(), (a) => this.src.style(a.label).color, isPending, this.hiddenShape);
    this.groupsRev = this.src.store.rev;
    if (this.visRect.length < 4 * this.byKey.size) this.visRect = new Float64Array(4 * this.byKey.size + 1024);
  }

  private drawBoxes(s: number, tx: number, ty: number, rich: boolean): void {
    const { ctx } = this;
    const hidden = this.src.interaction.draft?.key ?? null;
    const vx0 = -tx / s;
    const vy0 = -ty / s;
    const vx1 = (this.cssW - tx) / s;
    const vy1 = (this.cssH - ty) / s;
    const rect = this.visRect;
    const vis = this.vis;
    let n = 0;
    // Hairlines sit on pixel centres, 2 px lines on pixel edges: both stay crisp.
    const off = rich ? 0 : 0.5;
    ctx.lineJoin = "miter";
    for (let gi = 0; gi < this.groups.length; gi++) {
      const g = this.groups[gi]!;
      const entries = g.entries;
      ctx.beginPath();
      let any = false;
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        const b = e.ann.box!;
        if (b.x > vx1 || b.y > vy1 || b.x + b.w < vx0 || b.y + b.h < vy0 || e.ann.key === hidden) continue;
        const x = Math.round(b.x * s + tx);
        const y = Math.round(b.y * s + ty);
        const w = Math.max(1, Math.round((b.x + b.w) * s + tx) - x);
        const h = Math.max(1, Math.round((b.y + b.h) * s + ty) - y);
        ctx.rect(x + off, y + off, w, h);
        any = true;
        vis[n] = e;
        const o = n * 4;
        rect[o] = x;
        rect[o + 1] = y;
        rect[o + 2] = w;
        rect[o + 3] = h;
        n++;
      }
      if (!any) continue;
      ctx.setLineDash(g.dashed ? DASH : NO_DASH);
      if (rich) {
        ctx.globalAlpha = 0.08;
        ctx.fillStyle = g.color;
        ctx.fill();
        ctx.globalAlpha = 0.55;
        ctx.strokeStyle = "#000";
        ctx.lineWidth = 3.5;
        ctx.stroke();
        ctx.globalAlpha = 1;
      }
      ctx.strokeStyle = g.color;
      ctx.lineWidth = rich ? 2 : 1;
      ctx.stroke();
    }
    ctx.setLineDash(NO_DASH);
    this.visCount = n;
  }

  /** Label tags above boxes that are big enough on screen (`only`: just that entry). */
  private drawTags(only: Entry | null): void {
    const { ctx } = this;
    ctx.font = FONT;
    ctx.textBaseline = "middle";
    const rect = this.visRect;
    for (let i = 0; i < this.visCount; i++) {
      const e = this.vis[i]!;
      if (only !== null && e !== only) continue;
      const o = i * 4;
      const w = rect[o + 2]!;
      const h = rect[o + 3]!;
      if (only === null && (w < 28 || h < 12)) continue;
      this.tag(e, rect[o]!, rect[o + 1]!);
    }
  }

  private tag(e: Entry, x: number, y: number): void {
    const { ctx } = this;
    const th = 16;
    const tw = e.textW + 10;
    const ty = y - th >= 0 ? y - th : y;
    const tx = Math.min(Math.max(0, x - 1), this.cssW - tw);
    ctx.fillStyle = this.groupColor(e);
    ctx.fillRect(tx, ty, tw, th);
    ctx.fillStyle = e.textColor;
    ctx.fillText(e.text, tx + 5, ty + th / 2 + 0.5);
  }

  private groupColor(e: Entry): string {
    return this.src.style(e.ann.label).color;
  }

  /** Hovered and selected boxes on top: thicker, filled, with handles when selected. */
  private drawFocus(s: number, tx: number, ty: number): void {
    const it = this.src.interaction;
    const hidden = it.draft?.key ?? null;
    for (const key of [it.hovered !== it.selected ? it.hovered : null, it.selected]) {
      if (key === null || key === hidden) continue;
      const e = this.byKey.get(key);
      if (!e || !e.ann.box) continue;
      const selected = key === it.selected;
      const b = e.ann.box;
      const x = Math.round(b.x * s + tx);
      const y = Math.round(b.y * s + ty);
      const w = Math.max(1, Math.round((b.x + b.w) * s + tx) - x);
      const h = Math.max(1, Math.round((b.y + b.h) * s + ty) - y);
      const color = this.groupColor(e);
      const { ctx } = this;
      ctx.setLineDash(isPending(e.ann) ? DASH : NO_DASH);
      ctx.globalAlpha = selected ? 0.16 : 0.2;
      ctx.fillStyle = color;
      ctx.fillRect(x, y, w, h);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = "rgba(0,0,0,0.75)";
      ctx.lineWidth = selected ? 5 : 4.5;
      ctx.strokeRect(x, y, w, h);
      ctx.strokeStyle = color;
      ctx.lineWidth = selected ? 2.5 : 3;
      ctx.strokeRect(x, y, w, h);
      ctx.setLineDash(NO_DASH);
      if (selected) {
        ctx.strokeStyle = "rgba(255,255,255,0.9)";
        ctx.lineWidth = 1;
        ctx.strokeRect(x - 2.5, y - 2.5, w + 5, h + 5);
        this.handles(b, s, tx, ty, color);
      }
      ctx.font = FONT;
      ctx.textBaseline = "middle";
      this.tag(e, x, y);
    }
  }

  private handles(b: { x: number; y: number; w: number; h: number }, s: number, tx: number, ty: number, color: string): void {
    const { ctx } = this;
    ctx.fillStyle = "#ffffff";
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    for (const hnd of HANDLES) {
      const p = handlePoint(b, hnd);
      const hx = Math.round(p.x * s + tx) - HANDLE / 2;
      const hy = Math.round(p.y * s + ty) - HANDLE / 2;
      ctx.fillRect(hx, hy, HANDLE, HANDLE);
      ctx.strokeRect(hx + 0.5, hy + 0.5, HANDLE - 1, HANDLE - 1);
    }
  }

  private drawGhosts(s: number, tx: number, ty: number): void {
    const ghosts = this.src.interaction.ghosts;
    if (ghosts.length === 0) return;
    const { ctx } = this;
    ctx.setLineDash(DRAFT_DASH);
    for (const b of ghosts) {
      const x = Math.round(b.x * s + tx), y = Math.round(b.y * s + ty);
      const w = Math.max(1, Math.round(b.w * s)), h = Math.max(1, Math.round(b.h * s));
      ctx.strokeStyle = "rgba(0,0,0,0.7)";
      ctx.lineWidth = 4;
      ctx.strokeRect(x, y, w, h);
      ctx.strokeStyle = GHOST;
      ctx.lineWidth = 2;
      ctx.strokeRect(x, y, w, h);
    }
    ctx.setLineDash(NO_DASH);
  }

  /** The assist's clicks: a green plus on the object, a red minus off it. */
  private drawMarks(s: number, tx: number, ty: number): void {
    const marks = this.src.interaction.draft?.marks;
    if (!marks?.length) return;
    const { ctx } = this;
    ctx.lineWidth = 2.5;
    for (const m of marks) {
      const x = Math.round(m.x * s + tx), y = Math.round(m.y * s + ty);
      ctx.fillStyle = m.positive ? "#16a34a" : "#dc2626";
      ctx.beginPath();
      ctx.arc(x, y, 7, 0, 2 * Math.PI);
      ctx.fill();
      ctx.strokeStyle = "#ffffff";
      ctx.beginPath();
      ctx.moveTo(x - 4, y);
      ctx.lineTo(x + 4, y);
      if (m.positive) {
        ctx.moveTo(x, y - 4);
        ctx.lineTo(x, y + 4);
      }
      ctx.stroke();
    }
  }

  /** A polygon being drawn: its edges so far (the last one to the pointer) and its points. */
  private drawPolygonDraft(points: [number, number][], s: number, tx: number, ty: number, color: string, closed: boolean): void {
    const { ctx } = this;
    ctx.beginPath();
    points.forEach(([x, y], i) => (i ? ctx.lineTo(x * s + tx, y * s + ty) : ctx.moveTo(x * s + tx, y * s + ty)));
    if (closed) {
      ctx.closePath();
      ctx.globalAlpha = 0.25;
      ctx.fillStyle = color;
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    ctx.strokeStyle = "rgba(0,0,0,0.7)";
    ctx.lineWidth = 4;
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(DRAFT_DASH);
    ctx.stroke();
    ctx.setLineDash(NO_DASH);
    for (const [x, y] of closed ? [] : points) {
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(Math.round(x * s + tx) - 3, Math.round(y * s + ty) - 3, 6, 6);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(Math.round(x * s + tx) - 3, Math.round(y * s + ty) - 3, 6, 6);
    }
  }

  private drawDraft(s: number, tx: number, ty: number): void {
    const d = this.src.interaction.draft;
    if (!d) return;
    const { ctx } = this;
    const color = d.label !== null ? this.src.style(d.label).color : "#ffffff";
    const view: View = { s, tx, ty, cssW: this.cssW, cssH: this.cssH, dpr: this.dpr };
    if (d.paint) {
      this.paint.draw(ctx, d.paint, view, color);
      return;
    }
    if (d.rings) {
      drawPolygonEdit(ctx, d.rings, view, color, true);
      return;
    }
    if (d.points) {
      this.drawPolygonDraft(d.points, s, tx, ty, color, d.closed ?? false);
      return;
    }
    const b = d.box;
    const x = Math.round(b.x * s + tx);
    const y = Math.round(b.y * s + ty);
    const w = Math.max(1, Math.round((b.x + b.w) * s + tx) - x);
    const h = Math.max(1, Math.round((b.y + b.h) * s + ty) - y);
    ctx.globalAlpha = 0.14;
    ctx.fillStyle = color;
    ctx.fillRect(x, y, w, h);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = "rgba(0,0,0,0.7)";
    ctx.lineWidth = 4;
    ctx.strokeRect(x, y, w, h);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(d.mode === "draw" ? DRAFT_DASH : NO_DASH);
    ctx.strokeRect(x, y, w, h);
    ctx.setLineDash(NO_DASH);
    if (d.mode !== "draw" && d.key) this.handles(b, s, tx, ty, color);
    // Size readout under the box.
    const text = `${Math.round(b.w)} × ${Math.round(b.h)}`;
    ctx.font = FONT;
    ctx.textBaseline = "middle";
    const tw = ctx.measureText(text).width + 10;
    const lx = Math.min(Math.max(0, x + w - tw), this.cssW - tw);
    const ly = Math.min(y + h + 4, this.cssH - 18);
    ctx.fillStyle = "rgba(11,13,16,0.85)";
    ctx.fillRect(lx, ly, tw, 17);
    ctx.fillStyle = "#e5e8ee";
    ctx.fillText(text, lx + 5, ly + 9);
  }

  private drawGuides(): void {
    const it = this.src.interaction;
    const p = it.pointer;
    if (!it.guides || !p || (it.draft && it.draft.mode !== "draw")) return;
    const { ctx } = this;
    const x = Math.round(p.x) + 0.5;
    const y = Math.round(p.y) + 0.5;
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(0,0,0,0.45)";
    ctx.beginPath();
    ctx.moveTo(x + 1, 0);
    ctx.lineTo(x + 1, this.cssH);
    ctx.moveTo(0, y + 1);
    ctx.lineTo(this.cssW, y + 1);
    ctx.stroke();
    ctx.strokeStyle = "rgba(255,255,255,0.7)";
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, this.cssH);
    ctx.moveTo(0, y);
    ctx.lineTo(this.cssW, y);
    ctx.stroke();
  }
}
