/**
 * The embedding map: a 2-D projection of image embeddings as a zoomable Canvas 2D scatter
 * plot. Wheel zooms at the cursor, drag pans; in lasso mode (the toggle, "L", or Shift+drag)
 * a freehand lasso selects the points inside; a click opens a point; hover shows its label.
 * Once at most THUMB_LIMIT points are on screen, points are drawn as their thumbnails.
 *
 * Speed (50k points): redraws are coalesced on an animation frame; points are squares in
 * device pixels, culled to the view, one path and one fill() per palette colour, drawn from
 * colour-grouped index arrays built when the data, colours or selection change (nothing is
 * allocated per point per frame); hit tests and visible counts use a uniform grid.
 */
import { h, isTyping } from "../../lib/dom";
import { formatCount } from "../../lib/format";
import { fitView, GridIndex, type Groups, groupBy, lassoSelect, pan, toWorld, type View, visibleRect, zoomAt } from "../../lib/scatter-geom";

export interface MapData {
  ids: Int32Array;
  x: Float32Array;
  y: Float32Array;
}

export interface ScatterOptions {
  /** After a lasso or Escape, with the selected ids (empty when cleared). */
  onSelect: (ids: number[]) => void;
  /** A click on a point (within about 6 px). */
  onOpen: (id: number) => void;
  /** When given, points are drawn as thumbnails once at most 300 are visible. */
  thumbnailUrl?: (id: number) => string;
  /** Hover tooltip text. */
  label?: (id: number) => string;
}

const BG = "#12151b"; // --bg-2
const PLACEHOLDER = "#232935"; // --surface-3
const ACCENT = "#7d8bff"; // --accent
const LASSO_FILL = "rgba(125, 139, 255, 0.14)"; // --accent-soft
const OUTLINE = "#ffffff";
const MARGIN = 24;
/** Zoom limits, relative to the fitted view. */
const MIN_ZOOM = 0.5;
const MAX_ZOOM = 2000;
/** CSS pixels: the hit radius, how far a press may move and stay a click, lasso sampling, one key's pan. */
const HIT_PX = 6;
const CLICK_SLOP = 4;
const LASSO_STEP = 3;
const KEY_PAN = 60;
/** Alpha of what is outside the selection, as points and as thumbnails. */
const DIM_ALPHA = 0.22;
const THUMB_DIM_ALPHA = 0.35;
/** Thumbnails (side in CSS px) once at most THUMB_LIMIT points are visible; images kept. */
const THUMB_PX = 40;
const THUMB_LIMIT = 300;
const THUMB_CACHE = 600;

/** A press on the canvas: where it started and was last (CSS pixels), and whether it became a drag. */
interface Gesture { kind: "pan" | "lasso"; pointer: number; sx: number; sy: number; x: number; y: number; moved: boolean }

const currentDpr = (): number => (typeof window !== "undefined" && window.devicePixelRatio) || 1;

export class ScatterMap {
  readonly el: HTMLElement;
  /** Frames actually drawn (benchmarks read it). */
  framesDrawn = 0;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D | null;
  private readonly lassoBtn: HTMLButtonElement;
  private readonly countEl: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly ro: ResizeObserver | null;
  private n = 0;
  private ids: Int32Array = new Int32Array(0);
  private xs: Float32Array = new Float32Array(0);
  private ys: Float32Array = new Float32Array(0);
  private indexOf = new Map<number, number>();
  private grid = GridIndex.build(this.xs, this.ys);
  private colours: Uint8Array = new Uint8Array(0);
  private palette: string[] = [ACCENT];
  private byColour: Groups = groupBy(this.colours, 1, 0);
  private selMask: Uint8Array = new Uint8Array(0);
  private selIdx: Int32Array = new Int32Array(0);
  private selByColour: Groups = this.byColour;
  private v: View = { scale: 1, tx: 0, ty: 0 };
  private fitScale = 1;
  /** True until the user zooms or pans: a resize then refits. */
  private fitted = true;
  /** Canvas size in CSS pixels, and the device pixel ratio it was sized for. */
  private cssW = 0;
  private cssH = 0;
  private dpr = 1;
  private raf = 0;
  private dead = false;
  private lassoMode = false;
  private gesture: Gesture | null = null;
  /** The lasso being drawn, flat world coordinates. */
  private lassoPts: number[] = [];
  private hover = -1;
  private thumbsShown = false;
  /** Thumbnails by id, least recently drawn first. */
  private readonly thumbs = new Map<number, HTMLImageElement>();
  private readonly visBuf = new Int32Array(THUMB_LIMIT * 2);

  constructor(private readonly opts: ScatterOptions) {
    this.canvas = h("canvas", { class: "map-canvas", "data-testid": "map-canvas" });
    this.ctx = this.canvas.getContext("2d", { alpha: false });
    this.lassoBtn = h("button", { type: "button", class: "ghost small", "aria-pressed": "false", "data-testid": "map-lasso",
      title: "Lasso select (L, or hold Shift and drag)", onclick: () => this.setLassoMode(!this.lassoMode) }, "Lasso");
    const reset = h("button", { type: "button", class: "ghost small", "data-testid": "map-reset", title: "Reset view (0)", onclick: () => this.resetView() }, "Reset view");
    this.countEl = h("span", { class: "map-count small", "data-testid": "map-selected-count", "aria-live": "polite" });
    this.tooltip = h("div", { class: "map-tooltip", "data-testid": "map-tooltip", role: "tooltip", hidden: true });
    this.el = h("div", { class: "embedding-map", tabindex: "0", role: "application", "data-mode": "points", "data-cursor": "grab",
      "aria-label": "Embedding map. Drag to pan, wheel or plus and minus to zoom, arrow keys pan, 0 resets the view, L toggles the lasso (or Shift and drag), Escape clears the selection." },
    this.canvas, h("div", { class: "map-toolbar" }, this.lassoBtn, reset, this.countEl), this.tooltip);
    const listen = { pointerdown: this.onDown, pointermove: this.onMove, pointerup: this.onUp, pointercancel: this.onCancel, pointerleave: this.onLeave, wheel: this.onWheel };
    for (const [type, fn] of Object.entries(listen)) this.canvas.addEventListener(type, fn as EventListener, { passive: false });
    this.el.addEventListener("keydown", this.onKey);
    this.ro = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => this.resize());
    this.ro?.observe(this.canvas);
    this.paintCount();
  }

  /** The current view (a copy): screen = world * scale + (tx, ty), CSS pixels of the canvas. */
  get view(): View {
    return { ...this.v };
  }

  /** New points; the view is fitted to them. Selected ids still present stay selected (silently). */
  setData(data: MapData): void {
    const keep = this.selected();
    const n = (this.n = Math.min(data.ids.length, data.x.length, data.y.length));
    this.ids = data.ids.subarray(0, n);
    this.xs = data.x.subarray(0, n);
    this.ys = data.y.subarray(0, n);
    this.indexOf = new Map();
    for (let i = 0; i < n; i++) this.indexOf.set(this.ids[i]!, i);
    this.grid = GridIndex.build(this.xs, this.ys);
    if (this.colours.length !== n) this.colours = new Uint8Array(n);
    this.byColour = groupBy(this.colours, this.palette.length, n);
    this.hover = -1;
    this.tooltip.hidden = true;
    this.setSelection(keep);
    if (this.cssW === 0) this.measure();
    this.resetView();
  }

  /** A palette index per point (data order) and the palette (CSS colours); indices past its end take the last colour. */
  setColours(indices: Uint8Array, palette: string[]): void {
    this.palette = palette.length ? palette.slice() : [ACCENT];
    this.colours = indices.length === this.n ? indices : new Uint8Array(this.n);
    if (indices.length !== this.n) this.colours.set(indices.subarray(0, this.n));
    this.byColour = groupBy(this.colours, this.palette.length, this.n);
    this.applySelection(this.selIdx, this.selMask);
  }

  /** Select these ids (unknown ones are ignored); does not call onSelect. */
  setSelection(ids: number[]): void {
    const mask = new Uint8Array(this.n);
    for (const id of ids) {
      const i = this.indexOf.get(id);
      if (i !== undefined) mask[i] = 1;
    }
    const idx: number[] = [];
    for (let i = 0; i < this.n; i++) if (mask[i]) idx.push(i);
    this.applySelection(Int32Array.from(idx), mask);
  }

  /** The selected ids, in data order. */
  selected(): number[] {
    return Array.from(this.selIdx, (i) => this.ids[i]!);
  }

  /** Clear the selection; does not call onSelect (Escape does). */
  clearSelection(): void {
    this.applySelection(new Int32Array(0), new Uint8Array(this.n));
  }

  /** Zoom by `factor` keeping (sx, sy) (CSS pixels of the canvas; default its centre) in place. */
  zoomBy(factor: number, sx = this.cssW / 2, sy = this.cssH / 2): void {
    const next = zoomAt(this.v, sx, sy, factor, this.fitScale * MIN_ZOOM, this.fitScale * MAX_ZOOM);
    if (next.scale !== this.v.scale) this.moveTo(next);
  }

  /** Move the picture by (dx, dy) CSS pixels. */
  panBy(dx: number, dy: number): void {
    if (dx !== 0 || dy !== 0) this.moveTo(pan(this.v, dx, dy));
  }

  /** Fit every point in view again. */
  resetView(): void {
    this.v = fitView(this.xs, this.ys, this.cssW, this.cssH, MARGIN);
    this.fitScale = this.v.scale;
    this.fitted = true;
    this.invalidate();
  }

  destroy(): void {
    this.dead = true;
    this.cancelFrame();
    this.ro?.disconnect();
    for (const img of this.thumbs.values()) img.removeEventListener("load", this.onThumb);
    this.thumbs.clear();
    this.el.remove();
  }

  // ---- state ----

  private moveTo(view: View): void {
    this.v = view;
    this.fitted = false;
    this.invalidate();
  }

  private applySelection(idx: Int32Array, mask: Uint8Array): void {
    this.selIdx = idx;
    this.selMask = mask;
    this.selByColour = groupBy(this.colours, this.palette.length, this.n, idx);
    this.paintCount();
    this.invalidate();
  }

  private paintCount(): void {
    const n = this.selIdx.length;
    this.countEl.textContent = n ? `${formatCount(n)} selected` : "None selected";
    this.countEl.dataset.count = String(n);
  }

  private setLassoMode(on: boolean): void {
    this.lassoMode = on;
    this.lassoBtn.setAttribute("aria-pressed", String(on));
    this.lassoBtn.classList.toggle("on", on);
    this.paintCursor();
  }

  private paintCursor(): void {
    const g = this.gesture;
    const cursor = g ? (g.kind === "lasso" ? "crosshair" : g.moved ? "grabbing" : "grab") : this.hover >= 0 ? "pointer" : this.lassoMode ? "crosshair" : "grab";
    if (this.el.dataset.cursor !== cursor) this.el.dataset.cursor = cursor;
  }

  /** Read the canvas's CSS size (the stylesheet stretches it over the wrapper) and the pixel ratio, and size its buffer; true when either changed. */
  private measure(): boolean {
    const r = this.canvas.getBoundingClientRect();
    const w = Math.max(0, Math.floor(r.width));
    const hh = Math.max(0, Math.floor(r.height));
    const dpr = currentDpr();
    if (w === this.cssW && hh === this.cssH && dpr === this.dpr) return false;
    const shift = pan(this.v, (w - this.cssW) / 2, (hh - this.cssH) / 2);
    [this.cssW, this.cssH, this.dpr] = [w, hh, dpr];
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(hh * dpr));
    if (this.fitted) this.resetView();
    else {
      // Keep what was in the middle in the middle; the zoom limits follow the new size.
      this.v = shift;
      this.fitScale = fitView(this.xs, this.ys, w, hh, MARGIN).scale;
    }
    return true;
  }

  /** A resize clears the canvas: draw at once rather than show an empty frame. */
  private resize(): void {
    if (this.dead || !this.measure()) return;
    this.cancelFrame();
    this.draw();
  }

  private invalidate(): void {
    if (this.raf || this.dead || !this.ctx || typeof requestAnimationFrame !== "function") return;
    this.raf = requestAnimationFrame(this.onFrame);
  }

  private cancelFrame(): void {
    if (this.raf && typeof cancelAnimationFrame === "function") cancelAnimationFrame(this.raf);
    this.raf = 0;
  }

  private readonly onFrame = (): void => {
    this.raf = 0;
    if (currentDpr() !== this.dpr) this.measure();
    this.draw();
  };

  private readonly onThumb = (): void => this.invalidate();

  // ---- input ----

  private pos(e: MouseEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  /** The point under (sx, sy) CSS pixels, or -1. */
  private hit(sx: number, sy: number): number {
    const w = toWorld(this.v, sx, sy);
    return this.grid.nearest(w.x, w.y, (this.thumbsShown ? THUMB_PX / 2 : HIT_PX) / this.v.scale);
  }

  private setHover(i: number, sx: number, sy: number): void {
    if (i !== this.hover) this.invalidate();
    this.hover = i;
    const label = this.opts.label;
    const tip = this.tooltip;
    tip.hidden = i < 0 || !label;
    if (!tip.hidden && label) {
      const text = label(this.ids[i]!);
      if (tip.textContent !== text) tip.textContent = text;
      const flip = sx > this.cssW * 0.6; // near the right edge: to the left of the cursor
      tip.style.left = `${Math.round(flip ? sx - 14 : sx + 14)}px`;
      tip.style.top = `${Math.round(sy + 14)}px`;
      tip.style.transform = flip ? "translateX(-100%)" : "";
    }
    this.paintCursor();
  }

  private readonly onDown = (e: PointerEvent): void => {
    if (e.button !== 0 || this.gesture) return;
    e.preventDefault();
    this.el.focus({ preventScroll: true });
    try { this.canvas.setPointerCapture(e.pointerId); } catch { /* a synthetic pointer: it still works over the canvas */ }
    const p = this.pos(e);
    const kind = this.lassoMode || e.shiftKey ? "lasso" : "pan";
    this.gesture = { kind, pointer: e.pointerId, sx: p.x, sy: p.y, x: p.x, y: p.y, moved: false };
    const w = toWorld(this.v, p.x, p.y);
    this.lassoPts = kind === "lasso" ? [w.x, w.y] : [];
    this.tooltip.hidden = true;
    this.paintCursor();
  };

  private readonly onMove = (e: PointerEvent): void => {
    const p = this.pos(e);
    const g = this.gesture;
    if (!g) return this.setHover(this.hit(p.x, p.y), p.x, p.y);
    if (g.pointer !== e.pointerId) return;
    g.moved ||= Math.hypot(p.x - g.sx, p.y - g.sy) > CLICK_SLOP;
    if (!g.moved) return;
    this.paintCursor();
    if (g.kind === "pan") this.panBy(p.x - g.x, p.y - g.y);
    else {
      if (Math.hypot(p.x - g.x, p.y - g.y) < LASSO_STEP) return;
      const w = toWorld(this.v, p.x, p.y);
      this.lassoPts.push(w.x, w.y);
      this.invalidate();
    }
    [g.x, g.y] = [p.x, p.y];
  };

  private readonly onUp = (e: PointerEvent): void => {
    const g = this.gesture;
    if (!g || g.pointer !== e.pointerId) return;
    this.gesture = null;
    try { this.canvas.releasePointerCapture(e.pointerId); } catch { /* not captured */ }
    const p = this.pos(e);
    const poly = this.lassoPts;
    this.lassoPts = [];
    if (!g.moved) {
      const i = this.hit(p.x, p.y);
      if (i >= 0) this.opts.onOpen(this.ids[i]!);
    } else if (g.kind === "lasso") {
      const w = toWorld(this.v, p.x, p.y);
      poly.push(w.x, w.y);
      const idx = lassoSelect(this.xs, this.ys, poly);
      const mask = new Uint8Array(this.n);
      for (let k = 0; k < idx.length; k++) mask[idx[k]!] = 1;
      this.applySelection(idx, mask);
      this.opts.onSelect(this.selected());
    }
    this.invalidate();
    this.paintCursor();
  };

  private readonly onCancel = (): void => {
    this.gesture = null;
    this.lassoPts = [];
    this.invalidate();
    this.paintCursor();
  };

  private readonly onLeave = (): void => void (this.gesture || this.setHover(-1, 0, 0));

  private readonly onWheel = (e: WheelEvent): void => {
    e.preventDefault();
    const p = this.pos(e);
    const unit = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 800 : 1;
    const k = e.ctrlKey ? 0.01 : 0.0015; // trackpad pinch: ctrl+wheel with small deltas
    this.zoomBy(Math.exp(-Math.max(-600, Math.min(600, e.deltaY * unit)) * k), p.x, p.y);
  };

  private readonly onKey = (e: KeyboardEvent): void => {
    if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    const step = e.shiftKey ? KEY_PAN * 4 : KEY_PAN;
    switch (e.key) {
      case "+": case "=": this.zoomBy(1.25); break;
      case "-": case "_": this.zoomBy(0.8); break;
      case "ArrowLeft": this.panBy(step, 0); break;
      case "ArrowRight": this.panBy(-step, 0); break;
      case "ArrowUp": this.panBy(0, step); break;
      case "ArrowDown": this.panBy(0, -step); break;
      case "0": this.resetView(); break;
      case "l": case "L": this.setLassoMode(!this.lassoMode); break;
      case "Escape":
        if (this.gesture?.kind === "lasso") this.onCancel();
        else if (this.selIdx.length) {
          this.clearSelection();
          this.opts.onSelect([]);
        } else return;
        break;
      default: return;
    }
    e.preventDefault();
  };

  // ---- drawing ----

  private draw(): void {
    const ctx = this.ctx;
    if (!ctx || this.dead) return;
    this.framesDrawn++;
    ctx.setTransform(1, 0, 0, 1, 0, 0); // device pixels throughout
    ctx.globalAlpha = 1;
    ctx.fillStyle = BG;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (this.n === 0 || this.cssW === 0 || this.cssH === 0) return;
    const r = visibleRect(this.v, this.cssW, this.cssH);
    const thumbs = !!this.opts.thumbnailUrl && this.grid.countInRect(r.x0, r.y0, r.x1, r.y1, THUMB_LIMIT + 1) <= THUMB_LIMIT;
    if (thumbs !== this.thumbsShown) this.el.dataset.mode = (this.thumbsShown = thumbs) ? "thumbnails" : "points";
    if (thumbs) this.drawThumbs(ctx);
    else this.drawPoints(ctx);
    this.drawHover(ctx);
    this.drawLasso(ctx);
  }

  /** Point side in device pixels: 2 CSS px when fitted, up to 4 zoomed in. */
  private pointSize(): number {
    const css = Math.min(4, Math.max(2, Math.round(2 + Math.log2(this.v.scale / this.fitScale))));
    return Math.max(1, Math.round(css * this.dpr));
  }

  /** Everything (the rest dimmed, when there is a selection), then the selected on a white outline. */
  private drawPoints(ctx: CanvasRenderingContext2D): void {
    const size = this.pointSize();
    const d = this.dpr;
    const S = this.v.scale * d;
    const TX = this.v.tx * d - size / 2;
    const TY = this.v.ty * d - size / 2;
    const W = this.canvas.width;
    const H = this.canvas.height;
    const { xs, ys, palette, selMask } = this;
    const dim = this.selIdx.length > 0;
    for (let pass = 0; pass < (dim ? 2 : 1); pass++) {
      const { order, start } = pass === 0 ? this.byColour : this.selByColour;
      ctx.globalAlpha = dim && pass === 0 ? DIM_ALPHA : 1;
      if (pass === 1) {
        const o = Math.max(1, Math.round(d));
        ctx.beginPath();
        for (let k = 0; k < order.length; k++) {
          const x = xs[order[k]!]! * S + TX;
          const y = ys[order[k]!]! * S + TY;
          if (x >= -size && x <= W && y >= -size && y <= H) ctx.rect(Math.round(x) - o, Math.round(y) - o, size + 2 * o, size + 2 * o);
        }
        ctx.fillStyle = OUTLINE;
        ctx.fill();
      }
      for (let c = 0; c < palette.length; c++) {
        const end = start[c + 1]!;
        if (start[c] === end) continue;
        let any = false;
        ctx.beginPath();
        for (let k = start[c]!; k < end; k++) {
          const i = order[k]!;
          if (pass === 0 && dim && selMask[i]) continue;
          const x = xs[i]! * S + TX;
          const y = ys[i]! * S + TY;
          if (!(x >= -size && x <= W && y >= -size && y <= H)) continue; // off screen, or NaN
          ctx.rect(Math.round(x), Math.round(y), size, size);
          any = true;
        }
        if (!any) continue;
        ctx.fillStyle = palette[c]!;
        ctx.fill();
      }
    }
    ctx.globalAlpha = 1;
  }

  private drawThumbs(ctx: CanvasRenderingContext2D): void {
    const pad = THUMB_PX / 2 / this.v.scale;
    const r = visibleRect(this.v, this.cssW, this.cssH);
    const vis = this.grid.inRect(r.x0 - pad, r.y0 - pad, r.x1 + pad, r.y1 + pad, this.visBuf.length, this.visBuf);
    const { scale, tx, ty } = this.v;
    const d = this.dpr;
    const T = Math.round(THUMB_PX * d);
    const lw = Math.max(1, Math.round(2 * d));
    const dim = this.selIdx.length > 0;
    const last = this.palette.length - 1;
    ctx.lineWidth = lw;
    for (let pass = 0; pass < (dim ? 2 : 1); pass++) {
      ctx.globalAlpha = dim && pass === 0 ? THUMB_DIM_ALPHA : 1;
      for (let k = 0; k < vis.length; k++) {
        const i = vis[k]!;
        if (dim && (this.selMask[i] === 1) !== (pass === 1)) continue;
        const x = Math.round((this.xs[i]! * scale + tx) * d - T / 2);
        const y = Math.round((this.ys[i]! * scale + ty) * d - T / 2);
        const img = this.thumb(this.ids[i]!);
        if (img && img.complete && img.naturalWidth > 0) {
          const side = Math.min(img.naturalWidth, img.naturalHeight); // cover: the centred square
          ctx.drawImage(img, (img.naturalWidth - side) / 2, (img.naturalHeight - side) / 2, side, side, x, y, T, T);
        } else {
          ctx.fillStyle = PLACEHOLDER;
          ctx.fillRect(x, y, T, T);
        }
        ctx.strokeStyle = this.palette[Math.min(last, this.colours[i] ?? 0)]!;
        ctx.strokeRect(x + lw / 2, y + lw / 2, T - lw, T - lw);
        if (pass === 0) continue;
        ctx.strokeStyle = OUTLINE;
        ctx.strokeRect(x - lw / 2, y - lw / 2, T + lw, T + lw);
      }
    }
    ctx.globalAlpha = 1;
  }

  /** The cached image for an id, loading it on first use; the least recently drawn are dropped past THUMB_CACHE. */
  private thumb(id: number): HTMLImageElement | null {
    const url = this.opts.thumbnailUrl;
    if (!url) return null;
    let img = this.thumbs.get(id);
    if (img) this.thumbs.delete(id);
    else {
      img = document.createElement("img");
      img.decoding = "async";
      img.alt = "";
      img.addEventListener("load", this.onThumb);
      img.src = url(id);
    }
    this.thumbs.set(id, img);
    for (const [old, o] of this.thumbs) {
      if (this.thumbs.size <= THUMB_CACHE) break;
      o.removeEventListener("load", this.onThumb);
      o.removeAttribute("src");
      this.thumbs.delete(old);
    }
    return img;
  }

  private drawHover(ctx: CanvasRenderingContext2D): void {
    const i = this.hover;
    if (i < 0 || i >= this.n) return;
    const d = this.dpr;
    const side = (this.thumbsShown ? Math.round(THUMB_PX * d) : this.pointSize()) + 6 * d;
    ctx.lineWidth = Math.max(1, Math.round(2 * d));
    ctx.strokeStyle = ACCENT;
    ctx.strokeRect((this.xs[i]! * this.v.scale + this.v.tx) * d - side / 2, (this.ys[i]! * this.v.scale + this.v.ty) * d - side / 2, side, side);
  }

  private drawLasso(ctx: CanvasRenderingContext2D): void {
    const p = this.lassoPts;
    if (p.length < 4) return;
    const d = this.dpr;
    const { scale, tx, ty } = this.v;
    ctx.beginPath();
    for (let k = 0; k < p.length; k += 2) ctx.lineTo((p[k]! * scale + tx) * d, (p[k + 1]! * scale + ty) * d);
    ctx.closePath();
    ctx.fillStyle = LASSO_FILL;
    ctx.fill();
    ctx.lineWidth = Math.max(1, 1.5 * d);
    ctx.strokeStyle = ACCENT;
    ctx.setLineDash([4 * d, 3 * d]);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}
