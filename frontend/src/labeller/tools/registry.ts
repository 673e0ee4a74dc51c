/**
 * Tools are small state machines fed with pointer and key events in screen pixels. They
 * know nothing of the DOM or the API: everything goes through a ToolHost, so tests can
 * drive them with a fake or with the real store, editor and viewport.
 */
import type { Box, Rle } from "../../api/annotations";
import type { Draft } from "../core/selection";
import type { Kind, Rings } from "../core/store";
import type { Part, ViewTransform } from "../shapes/box";

export type ToolName = "select" | "box" | "polygon" | "assist" | "brush" | "eraser" | "pan" | "crop";

export interface PointerInfo {
  /** Canvas-relative CSS pixels. */
  x: number;
  y: number;
  button: number;
  shift: boolean;
  alt: boolean;
}

export interface HitResult {
  key: string;
  /** A box's handle or inside; a selected polygon's vertex, or the midpoint of its edge `index`. */
  part: Part | "vertex" | "edge";
  ring?: number;
  index?: number;
}

export interface ToolHost {
  readonly view: ViewTransform & { toImage(sx: number, sy: number): { x: number; y: number } };
  imageSize(): { width: number; height: number };
  /** Topmost box under a screen point; handles only count on the selected box. */
  hitTest(sx: number, sy: number): HitResult | null;
  boxOf(key: string): Box | null;
  labelOf(key: string): number | null;
  kindOf(key: string): Kind | null;
  ringsOf(key: string): Rings | null;
  maskOf(key: string): Rle | null;
  selected(): string | null;
  select(key: string | null): void;
  hover(key: string | null): void;
  /** Label new boxes get, or null when the project has no labels. */
  currentLabel(): number | null;
  /** Make a box (undoable, saved); returns its key. */
  createBox(label: number, box: Box): string;
  /** Make a polygon from its rings in image pixels (undoable, saved); returns its key. */
  createPolygon(label: number, rings: [number, number][][]): string;
  updateBox(key: string, box: Box): void;
  /** A polygon's new rings (undoable, saved). */
  updateRings(key: string, rings: Rings): void;
  /** Make a mask (undoable, saved); returns its key. */
  createMask(label: number, mask: Rle): string;
  /** A mask's new pixels (undoable, saved). */
  updateMask(key: string, mask: Rle): void;
  /** Delete an annotation (undoable, saved): a mask erased to nothing. */
  remove(key: string): void;
  setDraft(draft: Draft | null): void;
  setCursor(cursor: string): void;
  panBy(dx: number, dy: number): void;
  /** Tell the user something (no label to draw with, etc.). */
  hint(message: string): void;
  /** The crop tool chose a region (image pixels), or dropped it (null). */
  chooseRegion(box: Box | null): void;
}

export interface Tool {
  readonly name: ToolName;
  /** Cursor while idle over empty canvas. */
  readonly cursor: string;
  /** Draw crosshair guides through the pointer. */
  readonly guides: boolean;
  down(p: PointerInfo): void;
  move(p: PointerInfo): void;
  up(p: PointerInfo): void;
  /** Abort a gesture in progress (Esc, lost capture). True when there was one. */
  cancel(): boolean;
  /** True while a gesture is in progress. */
  readonly busy: boolean;
  /** A key while the tool is busy (Enter, Backspace); true when it used it. */
  key?(key: string): boolean;
}

export type ToolFactory = (host: ToolHost) => Tool;

export class ToolRegistry {
  private readonly tools = new Map<ToolName, Tool>();
  private current: ToolName;
  private readonly listeners = new Set<(name: ToolName) => void>();

  constructor(host: ToolHost, factories: Partial<Record<ToolName, ToolFactory>>, initial: ToolName = "select") {
    for (const [name, make] of Object.entries(factories) as [ToolName, ToolFactory][]) this.tools.set(name, make(host));
    this.current = initial;
  }

  has(name: ToolName): boolean {
    return this.tools.has(name);
  }

  get name(): ToolName {
    return this.current;
  }

  get active(): Tool {
    return this.tools.get(this.current)!;
  }

  use(name: ToolName): void {
    if (name === this.current || !this.tools.has(name)) return;
    this.active.cancel();
    this.current = name;
    for (const fn of this.listeners) fn(name);
  }

  on(fn: (name: ToolName) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
