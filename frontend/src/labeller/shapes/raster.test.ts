import { describe, expect, it } from "vitest";
import { paintStroke, rasterise, trace } from "./raster";
import { rleDecode, rleEncode } from "./rle";

const W = 24, H = 18;

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function fill(rings: number[][][][]): Uint8Array {
  const px = new Uint8Array(W * H);
  for (const r of rings) rasterise(r as [number, number][][], W, H, px);
  return px;
}

describe("rasterise", () => {
  it("fills pixels whose centres are inside, holes left out", () => {
    const px = rasterise([[[2, 2], [8, 2], [8, 8], [2, 8]], [[4, 4], [6, 4], [6, 6], [4, 6]]], W, H);
    let n = 0;
    for (const v of px) n += v;
    expect(n).toBe(36 - 4);
    expect(px[5 * W + 5]).toBe(0);
    expect(px[2 * W + 2]).toBe(1);
    expect(px[8 * W + 8]).toBe(0);
  });
});

describe("trace", () => {
  it("turns a square with a hole into one polygon of two rings, corners only", () => {
    const px = rasterise([[[2, 2], [8, 2], [8, 8], [2, 8]], [[4, 4], [6, 4], [6, 6], [4, 6]]], W, H);
    const polys = trace(px, W, H);
    expect(polys).toHaveLength(1);
    expect(polys[0]!.map((r) => r.length)).toEqual([4, 4]);
    expect(fill([polys[0]!])).toEqual(px);
  });

  it("gives regions that touch only at a corner their own polygons", () => {
    const px = new Uint8Array(W * H);
    px[1 * W + 1] = 1;
    px[2 * W + 2] = 1;
    expect(trace(px, W, H)).toHaveLength(2);
  });

  it("round-trips random blobs pixel for pixel, islands in holes included", () => {
    const rnd = random(7);
    for (let t = 0; t < 30; t++) {
      const px = new Uint8Array(W * H);
      for (let i = 0; i < 6; i++) paintStroke(px, W, H, { x: rnd() * W, y: rnd() * H }, { x: rnd() * W, y: rnd() * H }, 0.6 + rnd() * 3, rnd() < 0.7 ? 1 : 0);
      for (let i = 0; i < px.length; i++) if (rnd() < 0.05) px[i] = 1;
      const polys = trace(px, W, H);
      expect(fill(polys)).toEqual(px);
    }
  });

  it("agrees with the RLE codec", () => {
    const px = new Uint8Array(W * H);
    paintStroke(px, W, H, { x: 3, y: 3 }, { x: 20, y: 14 }, 2.5, 1);
    expect(rleDecode(rleEncode(px, H, W))).toEqual(px);
  });
});
