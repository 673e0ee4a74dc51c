/**
 * Geometry for the embedding map (a zoomable scatter plot), no DOM: the view transform,
 * zoom and pan, point-in-polygon and lasso selection, and a uniform grid over the points for
 * hit tests and "how many are on screen" counts.
 *
 * The view maps world (data) coordinates to CSS pixels of the canvas, the same way on both
 * axes (no y flip: a 2-D projection has no "up"): screen = world * scale + (tx, ty).
 * Points whose coordinates are not finite are never selected, counted or hit.
 */

export interface View {
  scale: number;
  tx: number;
  ty: number;
}

export interface Vec {
  x: number;
  y: number;
}

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export type Coords = Float32Array | Float64Array | number[];
export type Polygon = Float32Array | Float64Array | number[];

/** The bounding box of the finite points; null when there is none. */
export function bounds(xs: Coords, ys: Coords): Rect | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return x0 <= x1 ? { x0, y0, x1, y1 } : null;
}

/**
 * The view that shows every point, centred, `margin` CSS pixels from the edges. A single
 * point (or none) gets scale 1, centred (the middle of the canvas when there are none).
 */
export function fitView(xs: Coords, ys: Coords, width: number, height: number, margin: number): View {
  const b = bounds(xs, ys);
  if (!b) return { scale: 1, tx: width / 2, ty: height / 2 };
  const w = Math.max(1, width - 2 * margin);
  const h = Math.max(1, height - 2 * margin);
  const dx = b.x1 - b.x0;
  const dy = b.y1 - b.y0;
  let scale = Math.min(dx > 0 ? w / dx : Infinity, dy > 0 ? h / dy : Infinity);
  if (!Number.isFinite(scale) || scale <= 0) scale = 1;
  return { scale, tx: width / 2 - ((b.x0 + b.x1) / 2) * scale, ty: height / 2 - ((b.y0 + b.y1) / 2) * scale };
}

/** Multiply the zoom by `factor` (clamped to [minScale, maxScale]), keeping the world point under (sx, sy) there. */
export function zoomAt(view: View, sx: number, sy: number, factor: number, minScale: number, maxScale: number): View {
  const next = Math.min(maxScale, Math.max(minScale, view.scale * factor));
  if (!Number.isFinite(next) || next <= 0 || next === view.scale) return { ...view };
  const wx = (sx - view.tx) / view.scale;
  const wy = (sy - view.ty) / view.scale;
  return { scale: next, tx: sx - wx * next, ty: sy - wy * next };
}

/** Move the picture by (dx, dy) CSS pixels. */
export function pan(view: View, dx: number, dy: number): View {
  return { scale: view.scale, tx: view.tx + dx, ty: view.ty + dy };
}

export function toWorld(view: View, sx: number, sy: number): Vec {
  return { x: (sx - view.tx) / view.scale, y: (sy - view.ty) / view.scale };
}

export function toScreen(view: View, wx: number, wy: number): Vec {
  return { x: wx * view.scale + view.tx, y: wy * view.scale + view.ty };
}

/** The world rectangle a width x height canvas shows. */
export function visibleRect(view: View, width: number, height: number): Rect {
  return { x0: -view.tx / view.scale, y0: -view.ty / view.scale, x1: (width - view.tx) / view.scale, y1: (height - view.ty) / view.scale };
}

/** Even-odd test against a flat [x0, y0, x1, y1, ...] polygon (closed implicitly). */
export function pointInPolygon(x: number, y: number, poly: Polygon): boolean {
  const n = poly.length >> 1;
  if (n < 3) return false;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i]!;
    const yi = poly[2 * i + 1]!;
    const xj = poly[2 * j]!;
    const yj = poly[2 * j + 1]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Indices (ascending) of the points inside the polygon, even-odd. Points outside the
 * polygon's bounding box are dropped first; the rest test only the edges of their horizontal
 * band (the edges are bucketed by the rows they span), so a freehand lasso of hundreds of
 * vertices over 50k points stays within a few milliseconds.
 */
export function lassoSelect(xs: Coords, ys: Coords, poly: Polygon): Int32Array {
  const nv = poly.length >> 1;
  const n = Math.min(xs.length, ys.length);
  if (nv < 3 || n === 0) return new Int32Array(0);
  let bx0 = Infinity;
  let by0 = Infinity;
  let bx1 = -Infinity;
  let by1 = -Infinity;
  for (let i = 0; i < nv; i++) {
    const x = poly[2 * i]!;
    const y = poly[2 * i + 1]!;
    if (x < bx0) bx0 = x;
    if (x > bx1) bx1 = x;
    if (y < by0) by0 = y;
    if (y > by1) by1 = y;
  }
  if (!(bx0 < bx1 && by0 < by1)) return new Int32Array(0);
  // Edge buckets by band: CSR (bandStart, bandEdges), each edge in every band it spans.
  const bands = Math.max(1, Math.min(1024, nv));
  const inv = bands / (by1 - by0);
  const band = (y: number): number => Math.min(bands - 1, Math.max(0, Math.floor((y - by0) * inv)));
  const bandStart = new Int32Array(bands + 1);
  for (let i = 0, j = nv - 1; i < nv; j = i++) {
    const a = band(poly[2 * i + 1]!);
    const b = band(poly[2 * j + 1]!);
    for (let k = Math.min(a, b); k <= Math.max(a, b); k++) bandStart[k + 1]!++;
  }
  for (let k = 0; k < bands; k++) bandStart[k + 1]! += bandStart[k]!;
  const fill = bandStart.slice(0, bands);
  const bandEdges = new Int32Array(bandStart[bands]!);
  for (let i = 0, j = nv - 1; i < nv; j = i++) {
    const a = band(poly[2 * i + 1]!);
    const b = band(poly[2 * j + 1]!);
    for (let k = Math.min(a, b); k <= Math.max(a, b); k++) bandEdges[fill[k]!++] = i;
  }
  const out = new Int32Array(n);
  let count = 0;
  for (let p = 0; p < n; p++) {
    const x = xs[p]!;
    const y = ys[p]!;
    if (!(x >= bx0 && x <= bx1 && y >= by0 && y <= by1)) continue; // NaN fails too
    const k = band(y);
    let inside = false;
    for (let e = bandStart[k]!, end = bandStart[k + 1]!; e < end; e++) {
      const i = bandEdges[e]!;
      const j = i === 0 ? nv - 1 : i - 1;
      const yi = poly[2 * i + 1]!;
      const yj = poly[2 * j + 1]!;
      if (yi > y !== yj > y) {
        const xi = poly[2 * i]!;
        if (x < ((poly[2 * j]! - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
    if (inside) out[count++] = p;
  }
  return out.slice(0, count);
}

/** Point indices grouped by key: group k is order[start[k]] .. order[start[k + 1] - 1]. */
export interface Groups {
  order: Int32Array;
  start: Int32Array;
}

/**
 * Indices grouped by a small key (a palette index): `order` lists the indices key by key,
 * each group in ascending index order, from start[k] to start[k + 1]. Keys at or above
 * `groups` count as the last group. `subset` (indices) limits it to those points.
 */
export function groupBy(keys: Uint8Array, groups: number, n: number, subset?: Int32Array | null): Groups {
  const g = Math.max(1, groups);
  const start = new Int32Array(g + 1);
  const count = subset ? subset.length : n;
  const key = (i: number): number => Math.min(g - 1, keys[i] ?? 0);
  for (let k = 0; k < count; k++) start[key(subset ? subset[k]! : k) + 1]!++;
  for (let k = 0; k < g; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, g);
  const order = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const i = subset ? subset[k]! : k;
    order[fill[key(i)]!++] = i;
  }
  return { order, start };
}

/** A uniform grid over the points' bounding box: cells hold point indices (CSR layout). */
export class GridIndex {
  private constructor(
    private readonly xs: Coords,
    private readonly ys: Coords,
    private readonly ox: number,
    private readonly oy: number,
    /** Cells per world unit along x and y. */
    private readonly fx: number,
    private readonly fy: number,
    readonly nx: number,
    readonly ny: number,
    private readonly start: Int32Array,
    private readonly order: Int32Array,
  ) {}

  /**
   * Index the finite points. `cells` is the number of cells along the longer side of the
   * bounding box (the shorter side gets proportionally fewer); by default about 4 points a cell.
   */
  static build(xs: Coords, ys: Coords, cells?: number): GridIndex {
    const n = Math.min(xs.length, ys.length);
    const b = bounds(xs, ys) ?? { x0: 0, y0: 0, x1: 0, y1: 0 };
    const side = Math.max(1, Math.min(2048, Math.floor(cells ?? Math.ceil(Math.sqrt(n / 4)))));
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    const long = Math.max(w, h);
    const nx = long > 0 ? Math.max(1, Math.round((side * w) / long)) : 1;
    const ny = long > 0 ? Math.max(1, Math.round((side * h) / long)) : 1;
    const fx = w > 0 ? nx / w : 0;
    const fy = h > 0 ? ny / h : 0;
    const cellOf = new Int32Array(n);
    const start = new Int32Array(nx * ny + 1);
    for (let i = 0; i < n; i++) {
      const x = xs[i]!;
      const y = ys[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        cellOf[i] = -1;
        continue;
      }
      const c = Math.min(ny - 1, Math.floor((y - b.y0) * fy)) * nx + Math.min(nx - 1, Math.floor((x - b.x0) * fx));
      cellOf[i] = c;
      start[c + 1]!++;
    }
    for (let c = 0; c < nx * ny; c++) start[c + 1]! += start[c]!;
    const fill = start.slice(0, nx * ny);
    const order = new Int32Array(start[nx * ny]!);
    for (let i = 0; i < n; i++) {
      const c = cellOf[i]!;
      if (c >= 0) order[fill[c]!++] = i;
    }
    return new GridIndex(xs, ys, b.x0, b.y0, fx, fy, nx, ny, start, order);
  }

  /** How many points are indexed (the finite ones). */
  get size(): number {
    return this.order.length;
  }

  /** The closest point within `radius` (world units) of (wx, wy), the lower index on a tie; -1 when none. */
  nearest(wx: number, wy: number, radius: number): number {
    if (this.order.length === 0 || !(radius >= 0)) return -1;
    const r = this.cellRange(wx - radius, wy - radius, wx + radius, wy + radius);
    if (!r) return -1;
    const { xs, ys, start, order } = this;
    let best = -1;
    let bestD = radius * radius;
    for (let cy = r.y0; cy <= r.y1; cy++) {
      for (let cx = r.x0; cx <= r.x1; cx++) {
        const c = cy * this.nx + cx;
        for (let k = start[c]!, end = start[c + 1]!; k < end; k++) {
          const i = order[k]!;
          const dx = xs[i]! - wx;
          const dy = ys[i]! - wy;
          const d = dx * dx + dy * dy;
          if (d < bestD || (d === bestD && (best < 0 || i < best))) {
            best = i;
            bestD = d;
          }
        }
      }
    }
    return best;
  }

  /** How many points lie in the rectangle (edges included), counting no further than `limit`. */
  countInRect(x0: number, y0: number, x1: number, y1: number, limit = Infinity): number {
    const r = this.cellRange(x0, y0, x1, y1);
    if (!r || limit <= 0) return 0;
    const lx = Math.min(x0, x1);
    const hx = Math.max(x0, x1);
    const ly = Math.min(y0, y1);
    const hy = Math.max(y0, y1);
    const { xs, ys, start, order } = this;
    let count = 0;
    for (let cy = r.y0; cy <= r.y1; cy++) {
      for (let cx = r.x0; cx <= r.x1; cx++) {
        const c = cy * this.nx + cx;
        const s = start[c]!;
        const e = start[c + 1]!;
        if (s === e) continue;
        if (this.cellInside(cx, cy, lx, ly, hx, hy)) {
          count += e - s;
        } else {
          for (let k = s; k < e; k++) {
            const i = order[k]!;
            const x = xs[i]!;
            const y = ys[i]!;
            if (x >= lx && x <= hx && y >= ly && y <= hy) count++;
          }
        }
        if (count >= limit) return limit;
      }
    }
    return count;
  }

  /**
   * Up to `limit` indices (ascending) of points in the rectangle, edges included. `out`, when
   * given and large enough, is written and a view of it returned (no allocation per call).
   */
  inRect(x0: number, y0: number, x1: number, y1: number, limit = Infinity, out?: Int32Array): Int32Array {
    const r = this.cellRange(x0, y0, x1, y1);
    const cap = Math.max(0, Math.min(limit, this.order.length));
    if (!r || cap === 0) return new Int32Array(0);
    const buf = out && out.length >= cap ? out : new Int32Array(cap);
    const lx = Math.min(x0, x1);
    const hx = Math.max(x0, x1);
    const ly = Math.min(y0, y1);
    const hy = Math.max(y0, y1);
    const { xs, ys, start, order } = this;
    let n = 0;
    scan: for (let cy = r.y0; cy <= r.y1; cy++) {
      for (let cx = r.x0; cx <= r.x1; cx++) {
        const c = cy * this.nx + cx;
        for (let k = start[c]!, end = start[c + 1]!; k < end; k++) {
          const i = order[k]!;
          const x = xs[i]!;
          const y = ys[i]!;
          if (x >= lx && x <= hx && y >= ly && y <= hy) {
            buf[n++] = i;
            if (n >= cap) break scan;
          }
        }
      }
    }
    return buf.subarray(0, n).sort();
  }

  /** The cells a world rectangle touches, clamped to the grid; null when it misses the grid. */
  private cellRange(x0: number, y0: number, x1: number, y1: number): Rect | null {
    if (this.order.length === 0) return null;
    const lx = Math.min(x0, x1);
    const hx = Math.max(x0, x1);
    const ly = Math.min(y0, y1);
    const hy = Math.max(y0, y1);
    const gx1 = this.fx > 0 ? this.ox + this.nx / this.fx : this.ox;
    const gy1 = this.fy > 0 ? this.oy + this.ny / this.fy : this.oy;
    if (!(hx >= this.ox && lx <= gx1 && hy >= this.oy && ly <= gy1)) return null; // NaN fails too
    const cx = (v: number): number => Math.min(this.nx - 1, Math.max(0, Math.floor((v - this.ox) * this.fx)));
    const cy = (v: number): number => Math.min(this.ny - 1, Math.max(0, Math.floor((v - this.oy) * this.fy)));
    return { x0: cx(lx), y0: cy(ly), x1: cx(hx), y1: cy(hy) };
  }

  /** True when every point of cell (cx, cy) is certainly inside the rectangle. */
  private cellInside(cx: number, cy: number, lx: number, ly: number, hx: number, hy: number): boolean {
    if (this.fx === 0 || this.fy === 0) return false;
    const x0 = this.ox + cx / this.fx;
    const y0 = this.oy + cy / this.fy;
    const w = 1 / this.fx;
    const h = 1 / this.fy;
    // A little slack: a point on a cell edge may round into either neighbour.
    return x0 - w * 1e-6 >= lx && x0 + w * (1 + 1e-6) <= hx && y0 - h * 1e-6 >= ly && y0 + h * (1 + 1e-6) <= hy;
  }
}
