import { describe, expect, it } from "vitest";
import { FIT_MARGIN, Viewport } from "./viewport";

function vp(): Viewport {
  const v = new Viewport();
  v.setSize(1000, 800);
  v.setImage(4000, 3000);
  return v;
}

describe("Viewport", () => {
  it("fits the whole image with a margin, centred", () => {
    const v = vp();
    expect(v.scale).toBeCloseTo(Math.min((1000 - 2 * FIT_MARGIN) / 4000, (800 - 2 * FIT_MARGIN) / 3000));
    const tl = v.toScreen(0, 0);
    const br = v.toScreen(4000, 3000);
    expect((tl.x + br.x) / 2).toBeCloseTo(500);
    expect((tl.y + br.y) / 2).toBeCloseTo(400);
    expect(tl.x).toBeGreaterThanOrEqual(FIT_MARGIN - 1e-9);
  });

  it("round-trips screen <-> image", () => {
    const v = vp();
    v.zoomAt(300, 200, 3.7);
    v.panBy(-40, 25);
    for (const [x, y] of [[0, 0], [123.5, 987.25], [4000, 3000]] as const) {
      const s = v.toScreen(x, y);
      const back = v.toImage(s.x, s.y);
      expect(back.x).toBeCloseTo(x, 9);
      expect(back.y).toBeCloseTo(y, 9);
    }
  });

  it("zooming around a point keeps that point fixed", () => {
    const v = vp();
    const before = v.toImage(640, 210);
    v.zoomAt(640, 210, 2.5);
    const after = v.toImage(640, 210);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
    expect(v.fitted).toBe(false);
  });

  it("clamps zoom to its limits", () => {
    const v = vp();
    v.zoomAt(500, 400, 1e6);
    expect(v.scale).toBe(v.maxScale);
    v.zoomAt(500, 400, 1e-9);
    expect(v.scale).toBe(v.minScale);
  });

  it("never pans the image fully out of view", () => {
    const v = vp();
    v.panBy(100000, 100000);
    const tl = v.toScreen(0, 0);
    expect(tl.x).toBeLessThan(1000);
    expect(tl.y).toBeLessThan(800);
  });

  it("refits on resize until the user zooms", () => {
    const v = vp();
    v.setSize(2000, 1600);
    expect(v.scale).toBeCloseTo(v.fitScale());
    v.zoomAt(10, 10, 2);
    const s = v.scale;
    v.setSize(1000, 800);
    expect(v.scale).toBe(s);
  });

  it("reports the visible image rectangle", () => {
    const v = vp();
    const r = v.visibleImageRect();
    expect(r.x0).toBeLessThan(0);
    expect(r.x1).toBeGreaterThan(4000);
    v.zoomAt(500, 400, 8);
    const z = v.visibleImageRect();
    expect(z.x1 - z.x0).toBeCloseTo(1000 / v.scale);
  });
});
