import { describe, expect, it } from "vitest";
import { Editor } from "./editor";
import { History, invert, type Command } from "./history";
import { AnnotationStore, LOCAL, type StoreChange } from "./store";

let n = 0;
const ids = (): string => `cid-${++n}`;

function setup(cap?: number) {
  const store = new AnnotationStore();
  const history = new History(cap);
  const editor = new Editor(store, history, null, ids);
  const local: StoreChange[] = [];
  store.on((c) => {
    if (c.origin === LOCAL) local.push(c);
  });
  return { store, history, editor, local };
}

describe("invert", () => {
  it("swaps create/delete and before/after", () => {
    const snap = { kind: "box" as const, label: 1, box: { x: 0, y: 0, w: 1, h: 1 } };
    expect(invert({ type: "create", key: "k", snap })).toEqual({ type: "delete", key: "k", snap });
    const up: Command = { type: "update", key: "k", before: { label: 1, box: null }, after: { label: 2, box: null } };
    expect(invert(invert(up))).toEqual(up);
    expect(invert(up)).toMatchObject({ before: { label: 2 }, after: { label: 1 } });
  });
});

describe("History + Editor", () => {
  it("undo of a create deletes; redo brings it back under the same key with a new client id", () => {
    const { store, editor } = setup();
    const a = editor.createBox(1, { x: 1, y: 1, w: 5, h: 5 });
    const firstClient = a.clientId;
    expect(editor.undo()).toBe(true);
    expect(store.get(a.key)).toBeUndefined();
    expect(editor.redo()).toBe(true);
    const back = store.get(a.key)!;
    expect(back.box).toEqual({ x: 1, y: 1, w: 5, h: 5 });
    expect(back.clientId).not.toBe(firstClient);
    expect(back.id).toBeNull();
  });

  it("undo of a delete re-creates it (new client id, LOCAL so it is saved)", () => {
    const { store, editor, local } = setup();
    const a = editor.createBox(2, { x: 3, y: 4, w: 5, h: 6 });
    store.setServer(a.key, 77, 1);
    editor.remove(a.key);
    local.length = 0;
    editor.undo();
    const back = store.get(a.key)!;
    expect(back.label).toBe(2);
    expect(back.id).toBeNull();
    expect(back.clientId).not.toBe(a.clientId);
    expect(local.map((c) => c.type)).toEqual(["create"]);
  });

  it("undo of an update restores the previous geometry and label", () => {
    const { store, editor } = setup();
    const a = editor.createBox(1, { x: 0, y: 0, w: 10, h: 10 });
    editor.updateBox(a.key, { x: 5, y: 5, w: 10, h: 10 });
    editor.setLabel(a.key, 3);
    editor.undo();
    expect(store.get(a.key)!.label).toBe(1);
    editor.undo();
    expect(store.get(a.key)!.box).toEqual({ x: 0, y: 0, w: 10, h: 10 });
    editor.redo();
    editor.redo();
    expect(store.get(a.key)!.label).toBe(3);
    expect(store.get(a.key)!.box).toEqual({ x: 5, y: 5, w: 10, h: 10 });
  });

  it("keeps at least 100 steps and undoes them all in order", () => {
    const { store, editor } = setup();
    const a = editor.createBox(1, { x: 0, y: 0, w: 10, h: 10 });
    for (let i = 1; i <= 150; i++) editor.updateBox(a.key, { x: i, y: 0, w: 10, h: 10 });
    for (let i = 149; i >= 0; i--) {
      expect(editor.undo()).toBe(true);
      expect(store.get(a.key)!.box!.x).toBe(i);
    }
    expect(editor.undo()).toBe(true); // the create
    expect(store.size).toBe(0);
    expect(editor.undo()).toBe(false);
  });

  it("caps the stack, dropping the oldest", () => {
    const { history, editor } = setup(500);
    const a = editor.createBox(1, { x: 0, y: 0, w: 10, h: 10 });
    for (let i = 1; i <= 600; i++) editor.updateBox(a.key, { x: i % 7, y: i, w: 10, h: 10 });
    expect(history.undoDepth).toBe(500);
  });

  it("a new command clears redo", () => {
    const { history, editor } = setup();
    const a = editor.createBox(1, { x: 0, y: 0, w: 10, h: 10 });
    editor.updateBox(a.key, { x: 1, y: 0, w: 10, h: 10 });
    editor.undo();
    expect(history.canRedo).toBe(true);
    editor.setLabel(a.key, 2);
    expect(history.canRedo).toBe(false);
    expect(editor.redo()).toBe(false);
  });

  it("undo/redo go through the store as LOCAL changes (the save path)", () => {
    const { editor, local } = setup();
    const a = editor.createBox(1, { x: 0, y: 0, w: 10, h: 10 });
    editor.updateBox(a.key, { x: 2, y: 0, w: 10, h: 10 });
    local.length = 0;
    editor.undo();
    editor.undo();
    editor.redo();
    expect(local.map((c) => c.type)).toEqual(["update", "delete", "create"]);
  });

  it("skips commands whose annotation was deleted remotely", () => {
    const { store, editor } = setup();
    const a = editor.createBox(1, { x: 0, y: 0, w: 10, h: 10 });
    const b = editor.createBox(1, { x: 20, y: 0, w: 10, h: 10 });
    editor.updateBox(b.key, { x: 25, y: 0, w: 10, h: 10 });
    store.remove(b.key, "remote");
    expect(editor.undo()).toBe(true); // skips both commands on b, undoes the create of a
    expect(store.get(a.key)).toBeUndefined();
  });

  it("toggles tags on and off", () => {
    const { store, editor } = setup();
    expect(editor.toggleTag(4)).toBe(true);
    expect(store.tagFor(4)).toBeDefined();
    expect(editor.toggleTag(4)).toBe(false);
    expect(store.tagFor(4)).toBeUndefined();
    editor.undo();
    expect(store.tagFor(4)).toBeDefined();
  });

  it("records nothing for edits that change nothing", () => {
    const { history, editor } = setup();
    const a = editor.createBox(1, { x: 0, y: 0, w: 10, h: 10 });
    expect(editor.updateBox(a.key, { x: 0, y: 0, w: 10, h: 10 })).toBe(false);
    expect(editor.setLabel(a.key, 1)).toBe(false);
    expect(history.undoDepth).toBe(1);
  });
});
