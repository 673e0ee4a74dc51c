import { describe, expect, it } from "vitest";
import { fitContain, labelColor, scaleBox, scaleRings, tagPosition, visibleBoxes } from "./boxes";

describe("box scaling to the displayed size", () => {
  it("fits with object-fit: contain", () => {
    expect(fitContain({ w: 640, h: 480 }, { w: 320, h: 240 })).toEqual({ x: 0, y: 0, w: 320, h: 240, scale: 0.5 });
    // letterboxed: a wide image in a square box is centred vertically
    expect(fitContain({ w: 200, h: 100 }, { w: 100, h: 100 })).toEqual({ x: 0, y: 25, w: 100, h: 50, scale: 0.5 });
    expect(fitContain({ w: 0, h: 100 }, { w: 100, h: 100 }).scale).toBe(0);
  });

  it("scales image-pixel boxes into display pixels", () => {
    expect(scaleBox({ x: 100, y: 50, w: 200, h: 100 }, { w: 640, h: 480 }, { w: 320, h: 240 })).toEqual({ x: 50, y: 25, w: 100, h: 50 });
    expect(scaleBox({ x: 0, y: 0, w: 200, h: 100 }, { w: 200, h: 100 }, { w: 100, h: 100 })).toEqual({ x: 0, y: 25, w: 100, h: 50 });
    // a polygon lands where its box does (letterboxed the same way)
    expect(scaleRings([[[0, 0], [200, 100], [0, 100]]], { w: 200, h: 100 }, { w: 100, h: 100 })).toEqual([[[0, 25], [100, 75], [0, 75]]]);
    // upscaled small images, and boxes that spill over the edge are clipped to the image
    expect(scaleBox({ x: 16, y: 16, w: 32, h: 32 }, { w: 32, h: 32 }, { w: 320, h: 320 })).toEqual({ x: 160, y: 160, w: 160, h: 160 });
    expect(scaleBox({ x: -10, y: 5, w: 30, h: 10 }, { w: 100, h: 100 }, { w: 200, h: 200 })).toEqual({ x: 0, y: 10, w: 40, h: 20 });
  });

  it("places the label tag above the box, inside it at the top edge, within bounds", () => {
    expect(tagPosition({ x: 10, y: 40, w: 50, h: 50 }, { w: 60, h: 16 }, { w: 300, h: 200 })).toEqual({ x: 10, y: 24 });
    expect(tagPosition({ x: 10, y: 5, w: 50, h: 50 }, { w: 60, h: 16 }, { w: 300, h: 200 })).toEqual({ x: 10, y: 5 });
    expect(tagPosition({ x: 280, y: 40, w: 20, h: 20 }, { w: 60, h: 16 }, { w: 300, h: 200 })).toEqual({ x: 240, y: 24 });
  });

  it("filters by threshold, best first, and colours labels stably", () => {
    const box = { x: 0, y: 0, w: 1, h: 1 };
    const preds = [{ label: "a", score: 0.4, box }, { label: "b", score: 0.9, box }, { label: "c", score: 0.1, box }];
    expect(visibleBoxes(preds, 0.3).map((p) => p.label)).toEqual(["b", "a"]);
    expect(visibleBoxes(preds, 0.95)).toEqual([]);
    expect(labelColor("robin")).toBe(labelColor("robin"));
    expect(labelColor("robin")).not.toBe(labelColor("sparrow"));
  });
});
