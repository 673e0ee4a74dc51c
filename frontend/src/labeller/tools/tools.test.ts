import { describe, expect, it } from "vitest";
import { createBoxTool } from "./box";
import { createCropTool } from "./crop";
import { hitTestAnnotations } from "./hit";
import { createPanTool } from "./pan";
import { CLOSE_PX, createPolygonTool } from "./polygon";
import { createAssistTool, type AssistClick } from "./assist";
import type { Box } from "../../api/annotations";
import { ToolRegistry, type PointerInfo } from "./registry";
import { createSelectTool } from "./select";
import { world } from "./test-world";

describe("box tool", () => {
  it("draws a box with the current label on drag and selects it", () => {
    const w = world();
    const t = createBoxTool(w.host);
    t.down(w.at(100, 100));
    t.move(w.at(150, 130));
    expect(w.interaction.draft?.box).toEqual({ x: 100, y: 100, w: 50, h: 30 });
    t.move(w.at(300, 250));
    t.up(w.at(300, 250));
    const boxes = w.store.boxes();
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.box).toEqual({ x: 100, y: 100, w: 200, h: 150 });
    expect(boxes[0]!.label).toBe(7);
    expect(w.interaction.selected).toBe(boxes[0]!.key);
    expect(w.interaction.draft).toBeNull();
  });

  it("draws when dragged up-left and clamps to the image", () => {
    const w = world();
    const t = createBoxTool(w.host);
    t.down(w.at(50, 60));
    t.up(w.at(-20, -30));
    expect(w.store.boxes()[0]!.box).toEqual({ x: 0, y: 0, w: 50, h: 60 });
  });

  it("ignores tiny drags (< 4 screen px) — a click selects instead", () => {
    const w = world();
    const t = createBoxTool(w.host);
    const existing = w.editor.createBox(1, { x: 0, y: 0, w: 500, h: 500 });
    t.down(w.at(100, 100));
    t.up(w.at(103, 140));
    expect(w.store.boxes()).toHaveLength(1);
    expect(w.interaction.selected).toBe(existing.key);
    w.viewport.zoomAt(0, 0, 10); // 4 screen px are now less than half an image px
    t.down({ x: 100, y: 100, button: 0, shift: false, alt: false });
    t.up({ x: 102, y: 102, button: 0, shift: false, alt: false });
    expect(w.store.boxes()).toHaveLength(1);
  });

  it("cancel (Esc) drops the drawing", () => {
    const w = world();
    const t = createBoxTool(w.host);
    t.down(w.at(10, 10));
    t.move(w.at(200, 200));
    expect(t.cancel()).toBe(true);
    t.up(w.at(200, 200));
    expect(w.store.size).toBe(0);
    expect(t.cancel()).toBe(false);
  });

  it("says why when there is no label", () => {
    const w = world(null);
    const t = createBoxTool(w.host);
    t.down(w.at(10, 10));
    t.up(w.at(100, 100));
    expect(w.store.size).toBe(0);
    expect(w.hints.length).toBe(1);
  });
});

describe("select tool", () => {
  it("selects on click without moving, deselects on empty click", () => {
    const w = world();
    const a = w.editor.createBox(1, { x: 100, y: 100, w: 100, h: 100 });
    const t = createSelectTool(w.host);
    t.down(w.at(150, 150));
    t.move(w.at(151, 151));
    t.up(w.at(151, 151));
    expect(w.interaction.selected).toBe(a.key);
    expect(w.store.get(a.key)!.box).toEqual({ x: 100, y: 100, w: 100, h: 100 });
    t.down(w.at(600, 600));
    t.up(w.at(600, 600));
    expect(w.interaction.selected).toBeNull();
  });

  it("moves a box by dragging it (one undoable update on release)", () => {
    const w = world();
    const a = w.editor.createBox(1, { x: 100, y: 100, w: 100, h: 100 });
    const t = createSelectTool(w.host);
    t.down(w.at(150, 150));
    t.move(w.at(170, 160));
    t.move(w.at(200, 180));
    expect(w.store.get(a.key)!.box!.x).toBe(100); // unchanged until release
    expect(w.interaction.draft).toMatchObject({ key: a.key, mode: "move", box: { x: 150, y: 130 } });
    t.up(w.at(200, 180));
    expect(w.store.get(a.key)!.box).toEqual({ x: 150, y: 130, w: 100, h: 100 });
    w.editor.undo();
    expect(w.store.get(a.key)!.box).toEqual({ x: 100, y: 100, w: 100, h: 100 });
  });

  it("resizes the selected box by a handle", () => {
    const w = world();
    const a = w.editor.createBox(1, { x: 100, y: 100, w: 100, h: 100 });
    w.interaction.select(a.key);
    const t = createSelectTool(w.host);
    t.down(w.at(200, 200)); // se corner
    t.move(w.at(260, 240));
    t.up(w.at(260, 240));
    expect(w.store.get(a.key)!.box).toEqual({ x: 100, y: 100, w: 160, h: 140 });
    t.down(w.at(100, 150)); // w edge
    t.up(w.at(80, 150));
    expect(w.store.get(a.key)!.box).toEqual({ x: 80, y: 100, w: 180, h: 140 });
  });

  it("picks the smallest box under the pointer (nested boxes)", () => {
    const w = world();
    w.editor.createBox(1, { x: 0, y: 0, w: 800, h: 800 });
    const inner = w.editor.createBox(1, { x: 100, y: 100, w: 50, h: 50 });
    const t = createSelectTool(w.host);
    t.down(w.at(120, 120));
    t.up(w.at(120, 120));
    expect(w.interaction.selected).toBe(inner.key);
  });

  it("pans when dragging empty space", () => {
    const w = world();
    const t = createSelectTool(w.host);
    const tx = w.viewport.tx;
    t.down({ x: 5, y: 5, button: 0, shift: false, alt: false });
    t.move({ x: 25, y: 15, button: 0, shift: false, alt: false });
    t.up({ x: 25, y: 15, button: 0, shift: false, alt: false });
    expect(w.viewport.tx).toBe(tx + 20);
    expect(w.store.size).toBe(0);
  });

  it("hovers what is under the pointer", () => {
    const w = world();
    const a = w.editor.createBox(1, { x: 100, y: 100, w: 100, h: 100 });
    const t = createSelectTool(w.host);
    t.move(w.at(150, 150));
    expect(w.interaction.hovered).toBe(a.key);
    expect(w.cursor()).toBe("pointer");
    t.move(w.at(500, 500));
    expect(w.interaction.hovered).toBeNull();
  });
});

describe("registry", () => {
  it("switches tools and cancels the old one's gesture", () => {
    const w = world();
    const reg = new ToolRegistry(w.host, { select: createSelectTool, box: createBoxTool, pan: createPanTool });
    const seen: string[] = [];
    reg.on((n) => seen.push(n));
    reg.use("box");
    reg.active.down(w.at(10, 10));
    reg.active.move(w.at(100, 100));
    reg.use("select");
    expect(w.interaction.draft).toBeNull();
    expect(seen).toEqual(["box", "select"]);
  });
});

describe("hitTestAnnotations", () => {
  it("gives the selected box's handles priority over other boxes", () => {
    const w = world();
    const a = w.editor.createBox(1, { x: 100, y: 100, w: 100, h: 100 });
    const b = w.editor.createBox(1, { x: 150, y: 150, w: 100, h: 100 });
    w.interaction.select(a.key);
    const p = w.at(200, 200);
    expect(hitTestAnnotations(w.store.boxes(), a.key, w.viewport, p.x, p.y)).toEqual({ key: a.key, part: "se" });
    const q = w.at(220, 220);
    expect(hitTestAnnotations(w.store.boxes(), a.key, w.viewport, q.x, q.y)).toEqual({ key: b.key, part: "inside" });
    const box: Box = w.store.get(b.key)!.box!;
    expect(box.w).toBe(100);
  });
});

describe("crop tool", () => {
  it("hands a dragged region to the page, keeps it on screen, and never makes a box", () => {
    const w = world();
    const t = createCropTool(w.host);
    t.down(w.at(100, 100));
    t.move(w.at(400, 300));
    t.up(w.at(400, 300));
    expect(w.regions).toEqual([{ x: 100, y: 100, w: 300, h: 200 }]);
    expect(w.interaction.draft).toMatchObject({ mode: "crop", label: null, box: { x: 100, y: 100, w: 300, h: 200 } });
    expect(w.store.boxes()).toHaveLength(0);
    expect(t.cancel()).toBe(true);
    expect(w.interaction.draft).toBeNull();
    expect(w.regions.at(-1)).toBeNull();
  });

  it("drops the region on a click and clamps a drag to the image", () => {
    const w = world();
    const t = createCropTool(w.host);
    t.down(w.at(900, 900));
    t.up(w.at(1200, 1300));
    expect(w.regions.at(-1)).toEqual({ x: 900, y: 900, w: 100, h: 100 });
    t.down(w.at(10, 10));
    t.up(w.at(11, 11));
    expect(w.regions.at(-1)).toBeNull();
    expect(w.interaction.draft).toBeNull();
  });
});

describe("polygon tool", () => {
  const click = (t: ReturnType<typeof createPolygonTool>, p: PointerInfo) => {
    t.down(p);
    t.up(p);
  };

  it("adds a point per click, previews the pointer and closes on the first point", () => {
    const w = world();
    const t = createPolygonTool(w.host);
    click(t, w.at(100, 100));
    click(t, w.at(300, 100));
    t.move(w.at(300, 250));
    expect(w.interaction.draft?.points).toEqual([[100, 100], [300, 100], [300, 250]]);
    expect(w.interaction.draft?.box).toEqual({ x: 100, y: 100, w: 200, h: 150 });
    click(t, w.at(300, 250));
    click(t, w.at(100 + CLOSE_PX - 2, 100)); // on the first point: closes
    const [poly] = w.store.all();
    expect(poly).toMatchObject({ kind: "polygon", label: 7, rings: [[[100, 100], [300, 100], [300, 250]]] });
    expect(w.interaction.draft).toBeNull();
    expect(t.busy).toBe(false);
    w.editor.undo();
    expect(w.store.size).toBe(0);
    w.editor.redo();
    expect(w.store.all()[0]!.rings).toEqual([[[100, 100], [300, 100], [300, 250]]]);
  });

  it("closes on Enter or a double click, takes points back with Backspace, drops on Esc", () => {
    const w = world();
    const t = createPolygonTool(w.host);
    click(t, w.at(10, 10));
    click(t, w.at(50, 10));
    expect(t.key("Enter")).toBe(true); // two points: not yet
    expect(w.hints).toContain("A polygon needs at least three points.");
    click(t, w.at(50, 50));
    click(t, w.at(90, 90));
    expect(t.key("Backspace")).toBe(true);
    expect(w.interaction.draft?.points).toEqual([[10, 10], [50, 10], [50, 50]]);
    click(t, w.at(50, 50)); // a double click on the last point closes
    expect(w.store.all()[0]!.rings).toEqual([[[10, 10], [50, 10], [50, 50]]]);
    click(t, w.at(500, 500));
    click(t, w.at(600, 500));
    expect(t.cancel()).toBe(true);
    expect(w.store.size).toBe(1);
    expect(t.key("Enter")).toBe(false); // idle: Enter is not the tool's
  });

  it("keeps points inside the image and needs a label", () => {
    const w = world();
    const t = createPolygonTool(w.host);
    click(t, w.at(-50, 10));
    click(t, w.at(1200, 10));
    click(t, w.at(500, 1300));
    t.key("Enter");
    expect(w.store.all()[0]!.rings).toEqual([[[0, 10], [1000, 10], [500, 1000]]]);
    const none = world(null);
    createPolygonTool(none.host).down(none.at(10, 10));
    expect(none.hints).toEqual(["Add a label to the project first."]);
  });
});

describe("polygon hit test", () => {
  it("finds a polygon by its inside, not its hole, and prefers the smaller of two", () => {
    const w = world();
    const big = w.editor.createPolygon(7, [[[100, 100], [500, 100], [500, 500], [100, 500]], [[200, 200], [300, 200], [300, 300], [200, 300]]]);
    const small = w.editor.createPolygon(7, [[[400, 400], [480, 400], [440, 480]]]);
    const hit = (x: number, y: number) => {
      const p = w.viewport.toScreen(x, y);
      return hitTestAnnotations(w.store.all(), null, w.viewport, p.x, p.y)?.key ?? null;
    };
    expect(hit(150, 150)).toBe(big.key);
    expect(hit(250, 250)).toBeNull(); // in the hole
    expect(hit(440, 420)).toBe(small.key); // inside both: the smaller
    expect(hit(600, 600)).toBeNull();
  });
});

describe("assist tool", () => {
  const flush = () => new Promise((r) => setTimeout(r, 0));

  it("asks for the box's object, refines with clicks and makes the polygon on Enter", async () => {
    const w = world();
    const asked: { box: Box; points: AssistClick[] }[] = [];
    const outline: [number, number][] = [[110, 110], [190, 110], [150, 190]];
    const t = createAssistTool(w.host, async (box, points) => {
      asked.push({ box, points: [...points] });
      return [outline.map(([x, y]) => [x + points.length, y] as [number, number])];
    });
    t.down(w.at(100, 100));
    t.move(w.at(200, 200));
    t.up(w.at(200, 200));
    expect(asked[0]!.box).toEqual({ x: 100, y: 100, w: 100, h: 100 });
    await flush();
    expect(w.interaction.draft).toMatchObject({ closed: true, points: outline });
    t.down({ ...w.at(150, 150), alt: true }); // take away
    t.down(w.at(140, 140)); // add
    expect(asked.map((a) => a.points.map((p) => p.positive))).toEqual([[], [false], [false, true]]);
    await flush();
    expect(w.interaction.draft?.marks).toHaveLength(2);
    expect(t.key("Enter")).toBe(true);
    expect(w.store.all()[0]).toMatchObject({ kind: "polygon", label: 7, rings: [[[112, 110], [192, 110], [152, 190]]] });
    expect(t.busy).toBe(false);
    expect(w.interaction.draft).toBeNull();
  });

  it("drops on Esc, ignores a late answer, and says when nothing was found", async () => {
    const w = world();
    let answer: (r: [number, number][][] | null) => void = () => {};
    const t = createAssistTool(w.host, () => new Promise((r) => (answer = r)));
    t.down(w.at(10, 10));
    t.up(w.at(60, 60));
    expect(t.cancel()).toBe(true);
    answer([[[1, 1], [2, 1], [2, 2]]]);
    await flush();
    expect(w.interaction.draft).toBeNull();
    t.down(w.at(10, 10));
    t.up(w.at(60, 60));
    answer(null);
    await flush();
    expect(w.hints).toContain("Nothing found in that box: draw it closer around the object.");
    expect(t.key("Enter")).toBe(true);
    expect(w.store.size).toBe(0);
  });
});
