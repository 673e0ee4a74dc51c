import { describe, expect, it } from "vitest";
import { convertShape } from "../core/convert";
import { rasterise } from "../shapes/raster";
import { rleDecode, rleEncode } from "../shapes/rle";
import { BrushSize, createBrushTool } from "./brush";
import { createSelectTool } from "./select";
import { world } from "./test-world";

const SQUARE: [number, number][][] = [[[100, 100], [200, 100], [200, 200], [100, 200]]];

describe("select tool on a polygon", () => {
  it("drags a vertex, one undoable update on release", () => {
    const w = world();
    const p = w.editor.createPolygon(7, SQUARE);
    const t = createSelectTool(w.host);
    t.down(w.at(150, 150));
    t.up(w.at(150, 150));
    expect(w.interaction.selected).toBe(p.key);
    t.down(w.at(200, 200));
    t.move(w.at(260, 250));
    expect(w.interaction.draft?.rings?.[0]?.[2]).toEqual([260, 250]);
    expect(w.store.get(p.key)!.rings![0]![2]).toEqual([200, 200]); // not yet
    t.up(w.at(260, 250));
    expect(w.store.get(p.key)!.rings![0]).toEqual([[100, 100], [200, 100], [260, 250], [100, 200]]);
    expect(w.interaction.draft).toBeNull();
    w.editor.undo();
    expect(w.store.get(p.key)!.rings).toEqual(SQUARE);
  });

  it("adds a vertex from an edge's midpoint and takes one away with Alt+click", () => {
    const w = world();
    const p = w.editor.createPolygon(7, SQUARE);
    w.interaction.select(p.key);
    const t = createSelectTool(w.host);
    t.down(w.at(150, 100)); // the top edge's midpoint
    t.move(w.at(150, 80));
    t.up(w.at(150, 80));
    expect(w.store.get(p.key)!.rings![0]).toEqual([[100, 100], [150, 80], [200, 100], [200, 200], [100, 200]]);
    t.down({ ...w.at(200, 200), alt: true });
    t.up({ ...w.at(200, 200), alt: true });
    expect(w.store.get(p.key)!.rings![0]).toEqual([[100, 100], [150, 80], [200, 100], [100, 200]]);
    // A triangle keeps its points.
    t.down({ ...w.at(100, 200), alt: true });
    t.up({ ...w.at(100, 200), alt: true });
    t.down({ ...w.at(100, 100), alt: true });
    t.up({ ...w.at(100, 100), alt: true });
    expect(w.store.get(p.key)!.rings![0]).toHaveLength(3);
    expect(w.hints.at(-1)).toMatch(/three points/);
  });

  it("moves the whole polygon, holes included, and keeps it inside the image", () => {
    const w = world();
    const rings: [number, number][][] = [SQUARE[0]!, [[120, 120], [140, 120], [140, 140]]];
    const p = w.editor.createPolygon(7, rings);
    const t = createSelectTool(w.host);
    t.down(w.at(180, 180));
    t.move(w.at(190, 170));
    t.up(w.at(2000, 170));
    const moved = w.store.get(p.key)!.rings!;
    expect(moved[0]![1]).toEqual([1000, 90]); // stopped at the right edge
    expect(moved[1]![0]).toEqual([920, 110]);
    expect(w.editor.history.undoDepth).toBe(2);
  });
});

describe("brush and eraser", () => {
  it("paints a new mask with the current label, paints into the selected one, erases it away", () => {
    const w = world();
    const size = new BrushSize(5);
    const brush = createBrushTool(w.host, size, false);
    brush.down(w.at(50, 50));
    brush.move(w.at(80, 50));
    expect(w.interaction.draft?.paint?.dirty).not.toBeNull();
    brush.up(w.at(80, 50));
    const masks = w.store.all().filter((a) => a.kind === "mask");
    expect(masks).toHaveLength(1);
    const m = masks[0]!;
    expect(m.label).toBe(7);
    expect(w.interaction.selected).toBe(m.key);
    const px = rleDecode(m.mask!);
    expect(px[50 * 1000 + 65]).toBe(1);
    expect(px[50 * 1000 + 90]).toBe(0);
    expect(px[60 * 1000 + 65]).toBe(0);
    // A second stroke goes into the selected mask.
    brush.down(w.at(200, 50));
    brush.up(w.at(200, 50));
    expect(w.store.all().filter((a) => a.kind === "mask")).toHaveLength(1);
    expect(rleDecode(w.store.get(m.key)!.mask!)[50 * 1000 + 200]).toBe(1);
    // Erasing everything deletes the mask; undo brings it back.
    size.set(200);
    const eraser = createBrushTool(w.host, size, true);
    eraser.down(w.at(100, 50));
    eraser.move(w.at(150, 50));
    eraser.up(w.at(150, 50));
    expect(w.store.get(m.key)).toBeUndefined();
    w.editor.undo();
    expect(rleDecode(w.store.get(m.key)!.mask!)[50 * 1000 + 200]).toBe(1);
  });

  it("will not paint a mask of another size, nor erase without a selected mask; steps its size within bounds", () => {
    const w = world();
    const odd = w.editor.createMask(7, { size: [10, 10], counts: "0d1" });
    w.interaction.select(odd.key);
    createBrushTool(w.host, new BrushSize(3), false).down(w.at(5, 5));
    expect(w.hints.at(-1)).toMatch(/not the image's size/);
    expect(w.store.get(odd.key)!.mask!.counts).toBe("0d1");
    w.interaction.select(null);
    const size = new BrushSize(1);
    createBrushTool(w.host, size, true).down(w.at(10, 10));
    expect(w.hints.at(-1)).toMatch(/Select a mask/);
    size.step(-1);
    expect(size.radius).toBe(1);
    size.step(1);
    size.step(1);
    expect(size.radius).toBe(3);
  });
});

describe("convert", () => {
  it("turns a polygon into its mask and back, one undo step each", () => {
    const w = world();
    const p = w.editor.createPolygon(7, [SQUARE[0]!, [[120, 120], [160, 120], [160, 160], [120, 160]]]);
    const toMask = convertShape(w.editor, p.key, 1000, 1000);
    if ("error" in toMask) throw new Error(toMask.error);
    const mask = w.store.get(toMask.keys[0]!)!;
    expect(mask.kind).toBe("mask");
    const px = rleDecode(mask.mask!);
    expect(px.reduce((a, b) => a + b, 0)).toBe(100 * 100 - 40 * 40);
    const back = convertShape(w.editor, mask.key, 1000, 1000);
    if ("error" in back) throw new Error(back.error);
    expect(back.keys).toHaveLength(1);
    const rings = w.store.get(back.keys[0]!)!.rings!;
    expect(rings.map((r) => r.length)).toEqual([4, 4]);
    expect(rleEncode(rasterise(rings, 1000, 1000), 1000, 1000).counts).toBe(mask.mask!.counts);
    w.editor.undo();
    w.editor.undo();
    expect(w.store.all()).toHaveLength(1);
    expect(w.store.get(p.key)!.kind).toBe("polygon");
    w.editor.redo();
    expect(w.store.all().map((a) => a.kind)).toEqual(["mask"]);
  });

  it("says why a box does not convert", () => {
    const w = world();
    const b = w.editor.createBox(7, { x: 1, y: 1, w: 5, h: 5 });
    expect(convertShape(w.editor, b.key, 1000, 1000)).toEqual({ error: expect.stringMatching(/Only polygons and masks/) });
  });
});
