/**
 * Brush (K) and eraser (E) for masks. The brush paints into the selected mask, or, with none
 * selected, into a new mask of the current label; the eraser takes pixels away from the
 * selected mask (one erased to nothing is deleted). Each stroke, press to release, is one
 * undoable, saved change. `[` and `]` (the page's keys) make the brush smaller and larger; its
 * size is in image pixels, so a stroke means the same at any zoom.
 */
import type { PaintDraft } from "../core/selection";
import type { Kind } from "../core/store";
import { paintStroke, isEmpty, unionDirty } from "../shapes/raster";
import { rleBounds, rleDecode, rleEncode } from "../shapes/rle";
import type { PointerInfo, Tool, ToolHost } from "./registry";

export const MIN_RADIUS = 1;
export const MAX_RADIUS = 400;

/** The brush's size, shared by the brush and the eraser; the toolbar listens. */
export class BrushSize {
  private value: number;
  private readonly listeners = new Set<(r: number) => void>();

  constructor(radius = 10) {
    this.value = radius;
  }

  get radius(): number {
    return this.value;
  }

  set(radius: number): void {
    const r = Math.round(Math.min(MAX_RADIUS, Math.max(MIN_RADIUS, radius)));
    if (r === this.value) return;
    this.value = r;
    for (const fn of this.listeners) fn(r);
  }

  /** One step of `[` (smaller) or `]` (larger): about a quarter each. */
  step(dir: 1 | -1): void {
    this.set(dir > 0 ? Math.max(this.value + 1, this.value * 1.25) : Math.min(this.value - 1, this.value / 1.25));
  }

  on(fn: (r: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

type State =
  | { kind: "idle" }
  | { kind: "painting"; key: string | null; label: number; pixels: Uint8Array; last: { x: number; y: number }; draft: PaintDraft };

export function createBrushTool(host: ToolHost, size: BrushSize, erase: boolean): Tool {
  let state: State = { kind: "idle" };
  const value = erase ? 0 : 1;

  const target = (): { key: string | null; label: number } | null => {
    const key = host.selected();
    const kind: Kind | null = key !== null ? host.kindOf(key) : null;
    if (key !== null && kind === "mask") return { key, label: host.labelOf(key)! };
    if (erase) {
      host.hint("Select a mask to erase from (V, then click the mask).");
      return null;
    }
    const label = host.currentLabel();
    if (label === null) {
      host.hint("Add a label to the project first.");
      return null;
    }
    if (key !== null) host.select(null);
    return { key: null, label };
  };

  const image = (p: PointerInfo): { x: number; y: number } => host.view.toImage(p.x, p.y);

  const paint = (to: { x: number; y: number }): void => {
    if (state.kind !== "painting") return;
    const { width, height } = host.imageSize();
    const dirty = paintStroke(state.pixels, width, height, state.last, to, size.radius, value);
    state.last = to;
    // The renderer clears `dirty` once it has copied those pixels.
    state.draft.dirty = unionDirty(state.draft.dirty, dirty);
    host.setDraft({ key: state.key, label: state.label, mode: "paint", box: { x: 0, y: 0, w: width, h: height }, paint: state.draft });
  };

  return {
    name: erase ? "eraser" : "brush",
    cursor: "crosshair",
    guides: false,
    get busy() {
      return state.kind !== "idle";
    },
    down(p) {
      if (p.button !== 0 || state.kind !== "idle") return;
      const t = target();
      if (!t) return;
      const { width, height } = host.imageSize();
      const mask = t.key !== null ? host.maskOf(t.key) : null;
      if (mask && (mask.size[0] !== height || mask.size[1] !== width)) {
        host.hint("This mask is not the image's size; it cannot be painted here.");
        return;
      }
      let pixels: Uint8Array;
      try {
        pixels = mask ? rleDecode(mask) : new Uint8Array(width * height);
      } catch {
        host.hint("This mask cannot be read here.");
        return;
      }
      const at = image(p);
      // What the mask already holds is new to the renderer.
      const b = mask ? rleBounds(mask).box : null;
      const dirty = b ? { x0: b.x, y0: b.y, x1: b.x + b.w - 1, y1: b.y + b.h - 1 } : null;
      const draft: PaintDraft = { pixels, width, height, dirty, erase };
      state = { kind: "painting", key: t.key, label: t.label, pixels, last: at, draft };
      paint(at);
    },
    move(p) {
      if (state.kind === "painting") paint(image(p));
    },
    up(p) {
      if (state.kind !== "painting") return;
      paint(image(p));
      const s = state;
      state = { kind: "idle" };
      host.setDraft(null);
      const { width, height } = host.imageSize();
      const empty = isEmpty(s.pixels);
      if (s.key === null) {
        if (!empty) host.select(host.createMask(s.label, rleEncode(s.pixels, height, width)));
      } else if (empty) host.remove(s.key);
      else host.updateMask(s.key, rleEncode(s.pixels, height, width));
    },
    cancel() {
      if (state.kind === "idle") return false;
      state = { kind: "idle" };
      host.setDraft(null);
      return true;
    },
  };
}
