import { describe, expect, it } from "vitest";
import { boxFromDrag, clampBox, cursorFor, HANDLES, handlePoint, hitTest, isTinyDrag, moveBox, normalize, resizeBox, type Handle } from "./box";

const B = { x: 100, y: 100, w: 200, h: 100 };

describe("box geometry", () => {
  it("normalises a drag in any direction", () => {
    expect(normalize(10, 20, 5, 2)).toEqual({ x: 5, y: 2, w: 5, h: 18 });
    expect(normalize(5, 2, 10, 20)).toEqual({ x: 5, y: 2, w: 5, h: 18 });
  });

  it("clamps to the image", () => {
    expect(clampBox({ x: -10, y: -5, w: 30, h: 20 }, 100, 100)).toEqual({ x: 0, y: 0, w: 20, h: 15 });
    expect(clampBox({ x: 90, y: 95, w: 30, h: 20 }, 100, 100)).toEqual({ x: 90, y: 95, w: 10, h: 5 });
    expect(boxFromDrag(120, 50, -30, 10, 100, 100)).toEqual({ x: 0, y: 10, w: 100, h: 40 });
  });

  it("calls a drag under 4 screen px on either axis tiny", () => {
    expect(isTinyDrag(3, 50)).toBe(true);
    expect(isTinyDrag(50, -3.9)).toBe(true);
    expect(isTinyDrag(4, 4)).toBe(false);
  });

  it("hit-tests handles with a screen tolerance that does not depend on zoom", () => {
    for (const scale of [0.1, 1, 8]) {
      const v = { scale, tx: 13, ty: -7 };
      for (const h of HANDLES) {
        const p = handlePoint(B, h);
        const sx = p.x * scale + v.tx;
        const sy = p.y * scale + v.ty;
        if (scale >= 1) {
          expect(hitTest(B, sx + 5, sy - 5, v)).toBe(h);
          expect(hitTest(B, sx + 8, sy + 8, v)).not.toBe(h);
        }
      }
      // 10% zoom: the box is 20x10 screen px, corners still win over the inside.
      expect(hitTest(B, B.x * scale + v.tx + 1, B.y * scale + v.ty + 1, v)).toBe("nw");
    }
  });

  it("hit-tests edges, inside and outside", () => {
    const v = { scale: 2, tx: 0, ty: 0 };
    expect(hitTest(B, 250 * 2, 100 * 2 + 3, v)).toBe("n");
    expect(hitTest(B, 120 * 2, 150 * 2, v)).toBe("inside");
    expect(hitTest(B, 100 * 2 - 4, 130 * 2, v)).toBe("w");
    expect(hitTest(B, 10, 10, v)).toBeNull();
    expect(hitTest(B, 100 * 2 - 4, 130 * 2, v, 6, false)).toBeNull();
  });

  it("resizes from each handle, the opposite side fixed", () => {
    const cases: [Handle, number, number, { x: number; y: number; w: number; h: number }][] = [
      ["nw", 90, 80, { x: 90, y: 80, w: 210, h: 120 }],
      ["n", 0, 80, { x: 100, y: 80, w: 200, h: 120 }],
      ["ne", 320, 80, { x: 100, y: 80, w: 220, h: 120 }],
      ["e", 320, 0, { x: 100, y: 100, w: 220, h: 100 }],
      ["se", 320, 210, { x: 100, y: 100, w: 220, h: 110 }],
      ["s", 0, 210, { x: 100, y: 100, w: 200, h: 110 }],
      ["sw", 90, 210, { x: 90, y: 100, w: 210, h: 110 }],
      ["w", 90, 0, { x: 90, y: 100, w: 210, h: 100 }],
    ];
    for (const [h, px, py, want] of cases) expect(resizeBox(B, h, px, py, 1000, 1000)).toEqual(want);
  });

  it("flips when dragged past the opposite side, stays in the image, keeps a min size", () => {
    expect(resizeBox(B, "e", 50, 0, 1000, 1000)).toEqual({ x: 50, y: 100, w: 50, h: 100 });
    expect(resizeBox(B, "se", 5000, 5000, 400, 300)).toEqual({ x: 100, y: 100, w: 300, h: 200 });
    const tiny = resizeBox(B, "e", 100, 0, 1000, 1000, 2);
    expect(tiny.w).toBe(2);
  });

  it("moves inside the image", () => {
    expect(moveBox(B, 10, -20, 1000, 1000)).toEqual({ x: 110, y: 80, w: 200, h: 100 });
    expect(moveBox(B, 5000, 5000, 400, 300)).toEqual({ x: 200, y: 200, w: 200, h: 100 });
    expect(moveBox(B, -5000, 0, 400, 300).x).toBe(0);
  });

  it("has a cursor for every part", () => {
    expect(cursorFor("nw")).toBe("nwse-resize");
    expect(cursorFor("ne")).toBe("nesw-resize");
    expect(cursorFor("inside")).toBe("move");
    expect(cursorFor(null)).toBe("default");
  });
});
