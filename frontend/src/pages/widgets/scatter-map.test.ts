/**
 * The embedding map in Node: vitest runs without a DOM here (no jsdom), so a small fake
 * document stands in, with a canvas whose 2D context records the calls it gets. That is
 * enough to check the widget's logic (fitting, selection, lasso, click, hover, keys,
 * frame coalescing, per-colour batching and culling, thumbnails) without a browser.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { toScreen } from "../../lib/scatter-geom";
import { type MapData, ScatterMap, type ScatterOptions } from "./scatter-map";

type Listener = (e: unknown) => void;
const W = 800;
const H = 520;

class FakeNode {
  parentNode: FakeEl | null = null;
  constructor(public data = "") {}
  get textContent(): string {
    return this.data;
  }
}

class FakeEl extends FakeNode {
  readonly attrs = new Map<string, string>();
  readonly listeners = new Map<string, Listener[]>();
  readonly style: Record<string, string> = {};
  readonly dataset: Record<string, string> = {};
  children: FakeNode[] = [];
  className = "";
  hidden = false;
  width = 300;
  height = 150;
  complete = false;
  naturalWidth = 0;
  naturalHeight = 0;
  decoding = "";
  alt = "";
  src = "";
  focused = false;
  ctx: Record<string, unknown> | null = null;
  readonly classList = {
    toggle: (c: string, on: boolean) => {
      const set = new Set(this.className.split(" ").filter(Boolean));
      if (on) set.add(c);
      else set.delete(c);
      this.className = [...set].join(" ");
    },
  };
  constructor(readonly tagName: string) {
    super();
  }
  override get textContent(): string {
    return this.children.map((c) => c.textContent).join("");
  }
  override set textContent(v: string) {
    this.children = [new FakeNode(v)];
  }
  setAttribute(k: string, v: string): void {
    if (k === "hidden") this.hidden = true;
    if (k.startsWith("data-")) this.dataset[k.slice(5).replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = v;
    this.attrs.set(k, v);
  }
  getAttribute(k: string): string | null {
    return this.attrs.get(k) ?? null;
  }
  removeAttribute(k: string): void {
    this.attrs.delete(k);
    if (k === "src") this.src = "";
  }
  appendChild(c: FakeNode): FakeNode {
    c.parentNode = this;
    this.children.push(c);
    return c;
  }
  remove(): void {
    if (this.parentNode) this.parentNode.children = this.parentNode.children.filter((c) => c !== this);
    this.parentNode = null;
  }
  addEventListener(t: string, fn: Listener): void {
    this.listeners.set(t, [...(this.listeners.get(t) ?? []), fn]);
  }
  removeEventListener(t: string, fn: Listener): void {
    this.listeners.set(t, (this.listeners.get(t) ?? []).filter((f) => f !== fn));
  }
  fire(t: string, e: Record<string, unknown> = {}): { prevented: boolean } {
    const ev = { prevented: false, target: this, preventDefault() { ev.prevented = true; }, ...e };
    for (const fn of this.listeners.get(t) ?? []) fn(ev);
    return ev;
  }
  getBoundingClientRect(): { left: number; top: number; width: number; height: number } {
    return { left: 0, top: 0, width: W, height: H };
  }
  focus(): void {
    this.focused = true;
  }
  setPointerCapture(): void {}
  releasePointerCapture(): void {}
  getContext(): Record<string, unknown> | null {
    return this.ctx;
  }
  /** The descendant with this data-testid. */
  find(id: string): FakeEl {
    const walk = (n: FakeNode): FakeEl | null => {
      if (!(n instanceof FakeEl)) return null;
      if (n.attrs.get("data-testid") === id) return n;
      for (const c of n.children) {
        const hit = walk(c);
        if (hit) return hit;
      }
      return null;
    };
    const hit = walk(this);
    if (!hit) throw new Error(`no ${id}`);
    return hit;
  }
}

/** A 2D context that counts its method calls and keeps the last arguments of a few. */
function recordingContext(): { ctx: Record<string, unknown>; calls: Map<string, number>; fills: string[]; images: unknown[] } {
  const calls = new Map<string, number>();
  const fills: string[] = [];
  const images: unknown[] = [];
  const state: Record<string, unknown> = {};
  const ctx = new Proxy(state, {
    get(_t, p: string) {
      if (p in state) return state[p];
      return (...args: unknown[]) => {
        calls.set(p, (calls.get(p) ?? 0) + 1);
        if (p === "fill") fills.push(String(state.fillStyle));
        if (p === "drawImage") images.push(args[0]);
      };
    },
    set(_t, p: string, v: unknown) {
      state[p] = v;
      return true;
    },
  });
  return { ctx, calls, fills, images };
}

let frames: (() => void)[] = [];
let rec: ReturnType<typeof recordingContext>;
const created: FakeEl[] = [];

beforeEach(() => {
  frames = [];
  rec = recordingContext();
  created.length = 0;
  const doc = {
    createElement: (tag: string) => {
      const el = new FakeEl(tag.toUpperCase());
      if (tag === "canvas") el.ctx = rec.ctx;
      created.push(el);
      return el;
    },
    createTextNode: (text: string) => new FakeNode(text),
  };
  vi.stubGlobal("document", doc);
  vi.stubGlobal("window", { devicePixelRatio: 2 });
  vi.stubGlobal("requestAnimationFrame", (fn: () => void) => frames.push(fn));
  vi.stubGlobal("cancelAnimationFrame", (id: number) => { frames[id - 1] = () => {}; });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Run the queued animation frames (and the ones they queue). */
function flush(): void {
  const run = frames;
  frames = [];
  for (const fn of run) fn();
}

/** A 10 x 10 lattice (world 0..9), ids 1000 + index, colour = index % 3. */
function lattice(side = 10): MapData {
  const n = side * side;
  const ids = new Int32Array(n);
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = 1000 + i;
    x[i] = i % side;
    y[i] = Math.floor(i / side);
  }
  return { ids, x, y };
}

function make(over: Partial<ScatterOptions> = {}): { map: ScatterMap; el: FakeEl; canvas: FakeEl; selects: number[][]; opens: number[] } {
  const selects: number[][] = [];
  const opens: number[] = [];
  const map = new ScatterMap({ onSelect: (ids) => selects.push(ids), onOpen: (id) => opens.push(id), ...over });
  const el = map.el as unknown as FakeEl;
  return { map, el, canvas: el.find("map-canvas"), selects, opens };
}

/** Screen position of world point (wx, wy) in the map's current view. */
function at(map: ScatterMap, wx: number, wy: number): { clientX: number; clientY: number } {
  const p = toScreen(map.view, wx, wy);
  return { clientX: p.x, clientY: p.y };
}

function drag(canvas: FakeEl, points: { clientX: number; clientY: number }[], shiftKey = false): void {
  const [first, ...rest] = points;
  canvas.fire("pointerdown", { button: 0, pointerId: 1, shiftKey, ...first });
  for (const p of rest) canvas.fire("pointermove", { pointerId: 1, ...p });
  canvas.fire("pointerup", { pointerId: 1, ...(rest.at(-1) ?? first) });
}

describe("ScatterMap", () => {
  it("builds its toolbar, fits the data and sizes the canvas for the pixel ratio", () => {
    const { map, el, canvas } = make();
    expect(el.getAttribute("tabindex")).toBe("0");
    expect(el.getAttribute("aria-label")).toContain("Embedding map");
    expect(el.find("map-lasso").getAttribute("aria-pressed")).toBe("false");
    expect(el.find("map-selected-count").dataset.count).toBe("0");
    expect(el.find("map-tooltip").hidden).toBe(true);
    map.setData(lattice());
    expect(canvas.width).toBe(W * 2);
    expect(canvas.height).toBe(H * 2);
    const v = map.view;
    expect(toScreen(v, 0, 4.5).y).toBeCloseTo(H / 2);
    expect(toScreen(v, 4.5, 4.5).x).toBeCloseTo(W / 2);
    expect(v.scale).toBeCloseTo((H - 48) / 9);
  });

  it("coalesces redraws into one per animation frame", () => {
    const { map } = make();
    map.setData(lattice());
    expect(map.framesDrawn).toBe(0);
    flush();
    expect(map.framesDrawn).toBe(1);
    map.zoomBy(1.5, 100, 100);
    map.panBy(10, 0);
    map.setSelection([1000]);
    map.zoomBy(0.9);
    expect(frames.length).toBe(1);
    flush();
    expect(map.framesDrawn).toBe(2);
    flush();
    expect(map.framesDrawn).toBe(2); // nothing changed, no frame
    map.panBy(0, 0);
    expect(frames.length).toBe(0);
    map.zoomBy(2);
    map.destroy();
    flush();
    map.zoomBy(2);
    expect(frames.length).toBe(0);
    expect(map.framesDrawn).toBe(2);
  });

  it("draws one fill per colour, culls points off screen, and draws the selection on top", () => {
    const { map } = make();
    map.setData(lattice());
    map.setColours(Uint8Array.from({ length: 100 }, (_, i) => i % 3), ["#f00", "#0f0", "#00f"]);
    flush();
    expect(rec.fills).toEqual(["#f00", "#0f0", "#00f"]);
    expect(rec.calls.get("rect")).toBe(100);
    // Zoomed in on the top-left corner only a few points are on screen.
    rec.calls.clear();
    rec.fills.length = 0;
    const p = at(map, 0, 0);
    map.zoomBy(8, p.clientX, p.clientY);
    flush();
    const shown = rec.calls.get("rect") ?? 0;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(30);
    // A selection: the rest dimmed, then an outline pass and the selected per colour.
    map.resetView();
    map.setSelection([1000, 1001, 1099, 5]);
    rec.calls.clear();
    rec.fills.length = 0;
    flush();
    expect(rec.fills).toEqual(["#f00", "#0f0", "#00f", "#ffffff", "#f00", "#0f0"]);
    expect(rec.calls.get("rect")).toBe(97 + 3 + 3);
    expect(rec.calls.get("beginPath")).toBe(6);
  });

  it("selects with a shift-drag lasso and reports the ids", () => {
    const { map, el, canvas, selects } = make();
    map.setData(lattice());
    // Around world (0..2.5, 0..1.5): points x 0..2, y 0..1.
    drag(canvas, [at(map, -0.5, -0.5), at(map, 2.5, -0.5), at(map, 2.5, 1.5), at(map, -0.5, 1.5)], true);
    expect(selects).toEqual([[1000, 1001, 1002, 1010, 1011, 1012]]);
    expect(map.selected()).toEqual([1000, 1001, 1002, 1010, 1011, 1012]);
    expect(el.find("map-selected-count").textContent).toBe("6 selected");
    // Without Shift, in pan mode, a drag pans and selects nothing.
    const before = map.view;
    drag(canvas, [{ clientX: 100, clientY: 100 }, { clientX: 150, clientY: 120 }]);
    expect(selects.length).toBe(1);
    expect(map.view.tx).toBeCloseTo(before.tx + 50);
    expect(map.view.ty).toBeCloseTo(before.ty + 20);
  });

  it("lassoes a concave shape in lasso mode, toggled by the button or L", () => {
    const { map, el, canvas, selects } = make();
    map.setData(lattice());
    (el.find("map-lasso").listeners.get("click") ?? []).forEach((fn) => fn({}));
    expect(el.find("map-lasso").getAttribute("aria-pressed")).toBe("true");
    // An "L" shape: column x = 0 (y 0..3) and row y = 3 (x 0..3), not (1..3, 0..2).
    const pts = [[-0.5, -0.5], [0.5, -0.5], [0.5, 2.5], [3.5, 2.5], [3.5, 3.5], [-0.5, 3.5]] as const;
    drag(canvas, pts.map(([x, y]) => at(map, x, y)));
    expect(selects.at(-1)).toEqual([1000, 1010, 1020, 1030, 1031, 1032, 1033]);
    el.fire("keydown", { key: "l" });
    expect(el.find("map-lasso").getAttribute("aria-pressed")).toBe("false");
  });

  it("clears with Escape (telling onSelect), and setSelection / clearSelection stay silent", () => {
    const { map, el, selects } = make();
    map.setData(lattice());
    map.setSelection([1005, 1003, 1003, 42]);
    expect(map.selected()).toEqual([1003, 1005]);
    expect(el.find("map-selected-count").dataset.count).toBe("2");
    expect(el.fire("keydown", { key: "Escape" }).prevented).toBe(true);
    expect(map.selected()).toEqual([]);
    expect(selects).toEqual([[]]);
    expect(el.fire("keydown", { key: "Escape" }).prevented).toBe(false); // nothing to clear
    map.setSelection([1001]);
    map.clearSelection();
    expect(map.selected()).toEqual([]);
    expect(selects.length).toBe(1);
  });

  it("keeps selected ids that survive new data", () => {
    const { map } = make();
    map.setData(lattice());
    map.setSelection([1001, 1090]);
    map.setData(lattice(5));
    expect(map.selected()).toEqual([1001]);
    map.setData({ ids: new Int32Array(0), x: new Float32Array(0), y: new Float32Array(0) });
    expect(map.selected()).toEqual([]);
    flush();
    expect(map.framesDrawn).toBe(1);
  });

  it("opens a point on click within a few pixels, not on empty space or after a drag", () => {
    const { map, canvas, opens } = make();
    map.setData(lattice());
    const p = at(map, 3, 4);
    drag(canvas, [{ clientX: p.clientX + 3, clientY: p.clientY - 2 }]);
    expect(opens).toEqual([1043]);
    const q = at(map, 3.5, 4.5);
    drag(canvas, [q]);
    expect(opens).toEqual([1043]);
    drag(canvas, [p, { clientX: p.clientX + 30, clientY: p.clientY }]);
    expect(opens).toEqual([1043]);
  });

  it("shows the label of the hovered point and hides it off points", () => {
    const { map, el, canvas } = make({ label: (id) => `Image ${id}` });
    map.setData(lattice());
    const tip = el.find("map-tooltip");
    canvas.fire("pointermove", { pointerId: 1, ...at(map, 7, 2) });
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toBe("Image 1027");
    expect(el.dataset.cursor).toBe("pointer");
    canvas.fire("pointermove", { pointerId: 1, ...at(map, 7.5, 2.5) });
    expect(tip.hidden).toBe(true);
    canvas.fire("pointermove", { pointerId: 1, ...at(map, 1, 1) });
    canvas.fire("pointerleave", {});
    expect(tip.hidden).toBe(true);
  });

  it("zooms at the cursor with the wheel and answers the keys", () => {
    const { map, el, canvas } = make();
    map.setData(lattice());
    const fitted = map.view;
    const p = at(map, 2, 7);
    expect(canvas.fire("wheel", { deltaY: -200, deltaMode: 0, ...p }).prevented).toBe(true);
    expect(map.view.scale).toBeGreaterThan(fitted.scale);
    const q = at(map, 2, 7);
    expect(q.clientX).toBeCloseTo(p.clientX);
    expect(q.clientY).toBeCloseTo(p.clientY);
    el.fire("keydown", { key: "0" });
    expect(map.view).toEqual(fitted);
    el.fire("keydown", { key: "+" });
    expect(map.view.scale).toBeCloseTo(fitted.scale * 1.25);
    el.fire("keydown", { key: "-" });
    expect(map.view.scale).toBeCloseTo(fitted.scale);
    el.fire("keydown", { key: "ArrowRight" });
    expect(map.view.tx).toBeCloseTo(fitted.tx - 60);
    expect(el.fire("keydown", { key: "ArrowUp", ctrlKey: true }).prevented).toBe(false);
    (el.find("map-reset").listeners.get("click") ?? []).forEach((fn) => fn({}));
    expect(map.view).toEqual(fitted);
    map.zoomBy(1e9);
    expect(map.view.scale).toBeCloseTo(fitted.scale * 2000);
  });

  it("draws thumbnails once few points are visible, loading each lazily and once", () => {
    const { map, el } = make({ thumbnailUrl: (id) => `/t/${id}.jpg` });
    map.setData(lattice(30)); // 900 points: too many for thumbnails
    flush();
    expect(el.dataset.mode).toBe("points");
    expect(created.filter((c) => c.tagName === "IMG").length).toBe(0);
    map.setData(lattice(10)); // 100: thumbnails
    flush();
    expect(el.dataset.mode).toBe("thumbnails");
    const imgs = created.filter((c) => c.tagName === "IMG");
    expect(imgs.length).toBe(100);
    expect(imgs[0]!.src).toBe("/t/1000.jpg");
    expect(imgs[0]!.decoding).toBe("async");
    expect(rec.images.length).toBe(0); // none loaded yet: placeholders
    const img = imgs[5]!;
    Object.assign(img, { complete: true, naturalWidth: 64, naturalHeight: 48 });
    img.fire("load");
    expect(frames.length).toBe(1);
    flush();
    expect(rec.images).toEqual([img]);
    expect(created.filter((c) => c.tagName === "IMG").length).toBe(100); // cached, not reloaded
  });

  it("keeps the thumbnail cache bounded", () => {
    const { map } = make({ thumbnailUrl: (id) => `/t/${id}.jpg` });
    const data = lattice(40); // 1600 points; pan a 10 x 10 window over them
    map.setData(data);
    for (let k = 0; k < 16; k++) {
      const sub = lattice(10);
      for (let i = 0; i < 100; i++) sub.ids[i] = data.ids[(k * 100 + i) % 1600]!;
      map.setData(sub);
      flush();
    }
    const imgs = created.filter((c) => c.tagName === "IMG");
    expect(imgs.length).toBe(1600);
    expect(imgs.filter((c) => c.src !== "").length).toBe(600);
    expect(imgs.at(-1)!.src).not.toBe("");
    expect(imgs[0]!.src).toBe("");
  });

  it("tolerates a missing 2D context", () => {
    vi.stubGlobal("document", {
      createElement: (tag: string) => new FakeEl(tag.toUpperCase()),
      createTextNode: (text: string) => new FakeNode(text),
    });
    const { map, canvas, selects } = make();
    map.setData(lattice());
    flush();
    expect(map.framesDrawn).toBe(0);
    drag(canvas, [at(map, -0.5, -0.5), at(map, 0.5, -0.5), at(map, 0.5, 0.5), at(map, -0.5, 0.5)], true);
    expect(selects).toEqual([[1000]]);
    expect(frames.length).toBe(0); // nothing to draw with: no frames asked for
  });
});
