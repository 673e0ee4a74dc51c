import { describe, expect, it } from "vitest";
import { FALLBACK_COLOR, LabelSet } from "./labels";

const L = (id: number, name: string, hotkey: string, color = "#112233") => ({ id, name, hotkey, color });

describe("LabelSet", () => {
  it("orders by hotkey, picks the first as current, keeps a valid current", () => {
    const s = new LabelSet();
    s.set([L(1, "zebra", ""), L(2, "cat", "2"), L(3, "dog", "1")]);
    expect(s.list.map((l) => l.name)).toEqual(["dog", "cat", "zebra"]);
    expect(s.current).toBe(3);
    s.setCurrent(2);
    s.set([L(2, "cat", "2"), L(4, "ant", "1")]);
    expect(s.current).toBe(2);
    s.set([L(4, "ant", "1")]);
    expect(s.current).toBe(4);
  });

  it("finds labels by hotkey, never by a key the labeller reserves", () => {
    const s = new LabelSet();
    s.set([L(1, "car", "1"), L(2, "person", "Q"), L(3, "door", "d"), L(4, "pole", "p")]);
    expect(s.byHotkey("1")?.name).toBe("car");
    expect(s.byHotkey("q")?.name).toBe("person");
    expect(s.byHotkey("p")).toBeUndefined(); // the polygon tool
    expect(s.byHotkey("d")).toBeUndefined();
    expect(s.byHotkey("")).toBeUndefined();
  });

  it("accepts only #rrggbb colours", () => {
    const s = new LabelSet();
    s.set([L(1, "a", "1", "red;background:url(x)"), L(2, "b", "2", "#A0b1C2")]);
    expect(s.color(1)).toBe(FALLBACK_COLOR);
    expect(s.color(2)).toBe("#A0b1C2");
    expect(s.color(99)).toBe(FALLBACK_COLOR);
    expect(s.name(99)).toBe("#99");
  });
});
