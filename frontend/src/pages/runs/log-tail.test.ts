import { describe, expect, it } from "vitest";
import { applyChunk, applyLines, emptyLog, logText, overlapStart, splitLines, trimToLine } from "./log-tail";

describe("log tail", () => {
  it("splits lines without a phantom last one", () => {
    expect(splitLines("a\nb\n")).toEqual(["a", "b"]);
    expect(splitLines("a\r\nb")).toEqual(["a", "b"]);
    expect(splitLines("")).toEqual([]);
  });

  it("finds where pending lines start inside a chunk", () => {
    expect(overlapStart(["a", "b", "c"], ["b", "c", "d"])).toBe(1);
    expect(overlapStart(["a", "b", "c"], ["c", "d"])).toBe(2);
    expect(overlapStart(["a", "b"], ["x"])).toBe(2);
    expect(overlapStart(["a", "b"], [])).toBe(2);
  });

  it("a chunk covering websocket lines does not repeat them", () => {
    let s = applyChunk(emptyLog(), "one\ntwo\n", 8);
    s = applyLines(s, ["three", "four"]);
    expect(logText(s)).toBe("one\ntwo\nthree\nfour\n");
    s = applyChunk(s, "three\nfour\nfive\n", 24);
    expect(s.pending).toEqual([]);
    expect(logText(s)).toBe("one\ntwo\nthree\nfour\nfive\n");
    expect(s.offset).toBe(24);
  });

  it("lines pushed while the first read was in flight overlap its tail", () => {
    let s = applyLines(emptyLog(), ["epoch 3", "epoch 4"]);
    s = applyChunk(s, "start\nepoch 1\nepoch 2\nepoch 3\n", 30);
    expect(s.pending).toEqual(["epoch 4"]);
    expect(logText(s)).toBe("start\nepoch 1\nepoch 2\nepoch 3\nepoch 4\n");
  });

  it("a partial chunk keeps the lines it has not reached", () => {
    let s = applyLines(emptyLog(), ["a", "b", "c"]);
    s = applyChunk(s, "a\n", 2);
    expect(s.pending).toEqual(["b", "c"]);
    expect(logText(s)).toBe("a\nb\nc\n");
  });

  it("trims very long logs at a line boundary", () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n");
    const t = trimToLine(text, 50);
    expect(t.startsWith("… (earlier lines not shown)\n")).toBe(true);
    expect(t.endsWith("line 99")).toBe(true);
    const s = applyChunk(emptyLog(), `${text}\n`, 1000, 100);
    expect(s.committed.length).toBeLessThan(200);
  });
});
