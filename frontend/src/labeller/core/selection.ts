/**
 * Interaction state the renderer draws but the server never sees: the selected and hovered
 * annotation, a draft box while drawing/moving/resizing, and the pointer (for guides).
 */
import type { Box } from "../../api/annotations";
import type { Dirty } from "../shapes/raster";
import type { Rings } from "./store";

/** "crop": the Transform tool's region (no label), kept on screen while its panel is open. */
export type DraftMode = "draw" | "move" | "resize" | "crop" | "paint";

/** A brush or eraser stroke in progress: the mask's pixels as they are now. */
export interface PaintDraft {
  /** Row-major 0/1 bytes, width * height (the image's size); the tool writes into them. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** What changed since the renderer last looked (it clears this). */
  dirty: Dirty | null;
  erase: boolean;
}

export interface Draft {
  /** The annotation being moved/resized (hidden while the draft shows), or null when drawing. */
  key: string | null;
  box: Box;
  label: number | null;
  mode: DraftMode;
  /** A polygon being drawn: its points so far and the pointer, in image pixels. */
  points?: [number, number][];
  /** The points are a whole outline (the assist's proposal), not a path being drawn. */
  closed?: boolean;
  /** A polygon being edited (vertices dragged, the whole moved): its rings as they are now. */
  rings?: Rings;
  paint?: PaintDraft;
  /** The assist's clicks: on the object (positive) or off it. */
  marks?: { x: number; y: number; positive: boolean }[];
}

export class Interaction {
  selected: string | null = null;
  hovered: string | null = null;
  draft: Draft | null = null;
  /** Pointer in screen (canvas CSS) pixels, or null when outside the canvas. */
  pointer: { x: number; y: number } | null = null;
  /** Show crosshair guides through the pointer (the box tool). */
  guides = false;
  /** Boxes a tool would make, drawn dashed over the image (a Dataset-tab preview). */
  ghosts: Box[] = [];
  rev = 0;
  private readonly listeners = new Set<(what: "selection" | "hover" | "draft" | "pointer") => void>();

  on(fn: (what: "selection" | "hover" | "draft" | "pointer") => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  select(key: string | null): void {
    if (this.selected === key) return;
    this.selected = key;
    this.emit("selection");
  }

  hover(key: string | null): void {
    if (this.hovered === key) return;
    this.hovered = key;
    this.emit("hover");
  }

  setDraft(draft: Draft | null): void {
    if (draft === null && this.draft === null) return;
    this.draft = draft;
    this.emit("draft");
  }

  setPointer(p: { x: number; y: number } | null): void {
    if (p === null && this.pointer === null) return;
    this.pointer = p;
    this.emit("pointer");
  }

  setGuides(on: boolean): void {
    if (this.guides === on) return;
    this.guides = on;
    this.emit("pointer");
  }

  setGhosts(boxes: Box[]): void {
    if (boxes.length === 0 && this.ghosts.length === 0) return;
    this.ghosts = boxes;
    this.emit("draft");
  }

  /** Forget a key that left the store. */
  forget(key: string): void {
    if (this.hovered === key) this.hover(null);
    if (this.selected === key) this.select(null);
    if (this.draft?.key === key) this.setDraft(null);
  }

  private emit(what: "selection" | "hover" | "draft" | "pointer"): void {
    this.rev++;
    for (const fn of this.listeners) fn(what);
  }
}
