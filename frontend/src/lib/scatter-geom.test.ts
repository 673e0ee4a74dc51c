import { describe, expect, it } from "vitest";
import { bounds, fitView, GridIndex, groupBy, lassoSelect, pan, pointInPolygon, toScreen, toWorld, visibleRect, zoomAt } from "./scatter-geom";

/** A deterministic generator (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cloud(n: number, seed = 1): { xs: Float32Array; ys: Float32Array } {
  const r = rng(seed);
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = r() * 20 - 10;
    ys[i] = r() * 10 - 5;
  }
  return { xs, ys };
}

/** A 5 x 5 grid of points at integer coordinates 0..4, index = y * 5 + x. */
function lattice(): { xs: Float32Array; ys: Float32Array } {
  const xs = new Float32Array(25);
  const ys = new Float32Array(25);
  for (let i = 0; i < 25; i++) {
    xs[i] = i % 5;
    ys[i] = Math.floor(i / 5);
  }
  return { xs, ys };
}

// A "U" (concave): the box around 0..4 x 0..4 minus a notch 1.5..2.5 x -0.5..2.5, open at y = -0.5.
const U = [-0.5, -0.5, 1.5, -0.5, 1.5, 2.5, 2.5, 2.5, 2.5, -0.5, 4.5, -0.5, 4.5, 4.5, -0.5, 4.5];

describe("view", () => {
  it("fits the points inside the margin, centred", () => {
    const xs = new Float32Array([0, 10, 5]);
    const ys = new Float32Array([0, 2, 1]);
    const v = fitView(xs, ys, 220, 120, 10);
    expect(v.scale).toBeCloseTo(20); // width limits: (220 - 20) / 10
    expect(toScreen(v, 0, 0).x).toBeCloseTo(10);
    expect(toScreen(v, 10, 0).x).toBeCloseTo(210);
    expect(toScreen(v, 5, 1)).toEqual({ x: 110, y: 60 });
    const tall = fitView(new Float32Array([0, 1]), new Float32Array([0, 10]), 220, 120, 10);
    expect(tall.scale).toBeCloseTo(10); // height limits: (120 - 20) / 10
  });

  it("fits degenerate and empty data without dividing by zero", () => {
    expect(fitView(new Float32Array(0), new Float32Array(0), 200, 100, 10)).toEqual({ scale: 1, tx: 100, ty: 50 });
    const one = fitView(new Float32Array([3]), new Float32Array([4]), 200, 100, 10);
    expect(one.scale).toBe(1);
    expect(toScreen(one, 3, 4)).toEqual({ x: 100, y: 50 });
    const nan = fitView(new Float32Array([NaN, 0, 2]), new Float32Array([1, 0, 2]), 120, 120, 10);
    expect(nan.scale).toBeCloseTo(50);
    expect(bounds(new Float32Array([NaN]), new Float32Array([1]))).toBeNull();
  });

  it("keeps the world point under the cursor when zooming", () => {
    const v = { scale: 3, tx: 17, ty: -40 };
    for (const [sx, sy, f] of [[0, 0, 2], [123.5, 77.25, 0.5], [640, 10, 1.7]] as const) {
      const before = toWorld(v, sx, sy);
      const z = zoomAt(v, sx, sy, f, 0.1, 100);
      expect(z.scale).toBeCloseTo(3 * f);
      const after = toWorld(z, sx, sy);
      expect(after.x).toBeCloseTo(before.x, 9);
      expect(after.y).toBeCloseTo(before.y, 9);
    }
  });

  it("clamps the zoom and leaves the view alone at a limit", () => {
    const v = { scale: 3, tx: 17, ty: -40 };
    expect(zoomAt(v, 50, 50, 100, 0.1, 10).scale).toBe(10);
    expect(zoomAt(v, 50, 50, 1e-6, 0.1, 10).scale).toBe(0.1);
    const clamped = zoomAt({ scale: 10, tx: 1, ty: 2 }, 50, 50, 2, 0.1, 10);
    expect(clamped).toEqual({ scale: 10, tx: 1, ty: 2 });
    const p = toWorld(v, 80, 30);
    const q = toWorld(zoomAt(v, 80, 30, 100, 0.1, 10), 80, 30);
    expect(q.x).toBeCloseTo(p.x, 9);
  });

  it("pans and converts both ways", () => {
    const v = pan({ scale: 2, tx: 10, ty: 20 }, 5, -7);
    expect(v).toEqual({ scale: 2, tx: 15, ty: 13 });
    expect(toScreen(v, 1, 1)).toEqual({ x: 17, y: 15 });
    expect(toWorld(v, 17, 15)).toEqual({ x: 1, y: 1 });
    expect(visibleRect(v, 100, 50)).toEqual({ x0: -7.5, y0: -6.5, x1: 42.5, y1: 18.5 });
  });
});

describe("polygons", () => {
  it("tests points against a concave polygon, even-odd", () => {
    expect(pointInPolygon(0, 0, U)).toBe(true);
    expect(pointInPolygon(4, 0, U)).toBe(true);
    expect(pointInPolygon(2, 0, U)).toBe(false); // in the notch
    expect(pointInPolygon(2, 2, U)).toBe(false);
    expect(pointInPolygon(2, 4, U)).toBe(true); // below the notch
    expect(pointInPolygon(5, 0, U)).toBe(false);
    expect(pointInPolygon(0, 0, [0, 0, 1, 1])).toBe(false); // not a polygon
    // A bow tie: two triangles crossing at (1, 1); both halves are inside.
    const bow = [0, 0, 2, 2, 2, 0, 0, 2];
    expect(pointInPolygon(0.2, 1, bow)).toBe(true);
    expect(pointInPolygon(1.8, 1, bow)).toBe(true);
    expect(pointInPolygon(1, 0.2, bow)).toBe(false);
  });

  it("lassoes exactly the points inside a concave polygon", () => {
    const { xs, ys } = lattice();
    // Every lattice point but the notch column x = 2 at rows y = 0..2.
    const want = Array.from({ length: 25 }, (_, i) => i).filter((i) => !(i % 5 === 2 && i < 15));
    expect(Array.from(lassoSelect(xs, ys, U))).toEqual(want);
    expect(Array.from(lassoSelect(xs, ys, new Float32Array(U)))).toEqual(want);
    // A triangle over the corner, x + y <= 1.5: (0,0) (1,0) (0,1)
    expect(Array.from(lassoSelect(xs, ys, [-0.1, -0.1, 1.6, -0.1, -0.1, 1.6]))).toEqual([0, 1, 5]);
  });

  it("lassoes nothing from empty input or a degenerate polygon, and skips NaN points", () => {
    const { xs, ys } = lattice();
    expect(lassoSelect(new Float32Array(0), new Float32Array(0), U).length).toBe(0);
    expect(lassoSelect(xs, ys, []).length).toBe(0);
    expect(lassoSelect(xs, ys, [0, 0, 4, 4]).length).toBe(0);
    expect(lassoSelect(xs, ys, [0, 0, 4, 0, 2, 0]).length).toBe(0); // flat
    expect(Array.from(lassoSelect(new Float32Array([NaN, 1]), new Float32Array([1, NaN]), U))).toEqual([]);
  });

  it("matches the plain test on 50k points with a 400-vertex freehand lasso, quickly", () => {
    const { xs, ys } = cloud(50_000, 7);
    const r = rng(3);
    const poly: number[] = [];
    for (let k = 0; k < 400; k++) {
      const a = (k / 400) * Math.PI * 2;
      const rad = 3 + 3 * r() + 2 * Math.sin(5 * a); // a wobbly star: concave everywhere
      poly.push(rad * Math.cos(a) * 1.5, rad * Math.sin(a) * 0.7);
    }
    const want: number[] = [];
    for (let i = 0; i < xs.length; i++) if (pointInPolygon(xs[i]!, ys[i]!, poly)) want.push(i);
    expect(want.length).toBeGreaterThan(1000);
    const t0 = performance.now();
    const got = lassoSelect(xs, ys, poly);
    const ms = performance.now() - t0;
    expect(Array.from(got)).toEqual(want);
    expect(ms).toBeLessThan(100); // a few ms in practice; generous for slow CI machines
  });
});

describe("grid index", () => {
  it("finds the nearest point within the radius, and none outside it", () => {
    const { xs, ys } = lattice();
    const g = GridIndex.build(xs, ys, 3);
    expect(g.size).toBe(25);
    expect(g.nearest(2.1, 3.2, 0.5)).toBe(17);
    expect(g.nearest(0.05, 0, 0.1)).toBe(0);
    expect(g.nearest(2.5, 2.5, 0.5)).toBe(-1); // 0.707 from the closest
    expect(g.nearest(2.5, 2.5, 0.75)).toBe(12); // a four-way tie: the lowest index
    expect(g.nearest(10, 10, 3)).toBe(-1);
    expect(g.nearest(4.3, 4.3, 0.5)).toBe(24);
    expect(g.nearest(-3, 2, Infinity)).toBe(10);
  });

  it("agrees with a brute-force nearest on random points", () => {
    const { xs, ys } = cloud(5000, 11);
    const g = GridIndex.build(xs, ys);
    const r = rng(5);
    for (let q = 0; q < 300; q++) {
      const wx = r() * 24 - 12;
      const wy = r() * 14 - 7;
      const rad = r() * 0.6;
      let best = -1;
      let bd = rad * rad;
      for (let i = 0; i < xs.length; i++) {
        const d = (xs[i]! - wx) ** 2 + (ys[i]! - wy) ** 2;
        if (d < bd || (d === bd && best < 0)) [best, bd] = [i, d];
      }
      expect(g.nearest(wx, wy, rad)).toBe(best);
    }
  });

  it("counts and lists the points in a rectangle, up to a limit", () => {
    const { xs, ys } = lattice();
    const g = GridIndex.build(xs, ys, 2);
    expect(g.countInRect(0.5, 0.5, 2, 2)).toBe(4); // (1,1) (2,1) (1,2) (2,2): edges count
    expect(Array.from(g.inRect(0.5, 0.5, 2, 2))).toEqual([6, 7, 11, 12]);
    expect(Array.from(g.inRect(2, 2, 0.5, 0.5))).toEqual([6, 7, 11, 12]); // corners either way round
    expect(g.countInRect(-1, -1, 5, 5)).toBe(25);
    expect(g.countInRect(-1, -1, 5, 5, 10)).toBe(10);
    expect(g.inRect(-1, -1, 5, 5, 10).length).toBe(10);
    expect(g.countInRect(5.5, 0, 9, 9)).toBe(0);
    expect(g.inRect(5.5, 0, 9, 9).length).toBe(0);
    const out = new Int32Array(8);
    const got = g.inRect(0, 0, 1, 1, 8, out);
    expect(Array.from(got)).toEqual([0, 1, 5, 6]);
    expect(got.buffer).toBe(out.buffer);
  });

  it("agrees with brute-force counts on random points and rectangles", () => {
    const { xs, ys } = cloud(20_000, 2);
    const g = GridIndex.build(xs, ys);
    const r = rng(9);
    for (let q = 0; q < 100; q++) {
      const x0 = r() * 24 - 12;
      const y0 = r() * 14 - 7;
      const x1 = x0 + r() * 8;
      const y1 = y0 + r() * 5;
      const want: number[] = [];
      for (let i = 0; i < xs.length; i++) if (xs[i]! >= x0 && xs[i]! <= x1 && ys[i]! >= y0 && ys[i]! <= y1) want.push(i);
      expect(g.countInRect(x0, y0, x1, y1)).toBe(want.length);
      expect(g.countInRect(x0, y0, x1, y1, 301)).toBe(Math.min(301, want.length));
      expect(Array.from(g.inRect(x0, y0, x1, y1))).toEqual(want);
    }
  });

  it("copes with empty, single-point and non-finite input", () => {
    const empty = GridIndex.build(new Float32Array(0), new Float32Array(0));
    expect(empty.size).toBe(0);
    expect(empty.nearest(0, 0, 100)).toBe(-1);
    expect(empty.countInRect(-1, -1, 1, 1)).toBe(0);
    expect(empty.inRect(-1, -1, 1, 1).length).toBe(0);
    const same = GridIndex.build(new Float32Array([1, 1, 1]), new Float32Array([2, 2, 2]));
    expect(same.nearest(1.1, 2, 0.5)).toBe(0);
    expect(same.countInRect(0, 0, 3, 3)).toBe(3);
    expect(same.countInRect(1.5, 0, 3, 3)).toBe(0);
    const line = GridIndex.build(new Float32Array([0, 1, 2, 3]), new Float32Array([5, 5, 5, 5]));
    expect(Array.from(line.inRect(0.5, 4, 2.5, 6))).toEqual([1, 2]);
    const nan = GridIndex.build(new Float32Array([NaN, 0, 1, Infinity]), new Float32Array([0, 0, 1, 0]));
    expect(nan.size).toBe(2);
    expect(nan.nearest(0, 0, 100)).toBe(1);
    expect(Array.from(nan.inRect(-10, -10, 10, 10))).toEqual([1, 2]);
  });
});

describe("groupBy", () => {
  it("lists indices colour by colour, in order, optionally a subset", () => {
    const keys = new Uint8Array([2, 0, 1, 0, 2, 9]);
    const all = groupBy(keys, 3, 6);
    expect(Array.from(all.order)).toEqual([1, 3, 2, 0, 4, 5]); // 9 counts as the last colour
    expect(Array.from(all.start)).toEqual([0, 2, 3, 6]);
    const sub = groupBy(keys, 3, 6, new Int32Array([0, 3, 5]));
    expect(Array.from(sub.order)).toEqual([3, 0, 5]);
    expect(Array.from(sub.start)).toEqual([0, 1, 1, 3]);
    expect(Array.from(groupBy(new Uint8Array(0), 2, 0).start)).toEqual([0, 0, 0]);
  });
});
