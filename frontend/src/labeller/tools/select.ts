/**
 * Select tool: click an annotation to select it, drag it to move, drag a handle or an edge of
 * the selected box to resize, click empty space to clear the selection. A selected polygon
 * shows its vertices: drag one to move it, drag the dot in the middle of an edge to add a
 * vertex there, Alt+click a vertex to take it away. Dragging on empty space pans the view
 * (the hand), so a zoomed-in image is easy to move around.
 */
import type { Box } from "../../api/annotations";
import type { Rings } from "../core/store";
import { cursorFor, moveBox, resizeBox, type Handle } from "../shapes/box";
import type { PointerInfo, Tool, ToolHost } from "./registry";

/** Screen pixels a press must travel before it becomes a move (so clicks never nudge). */
const MOVE_THRESHOLD = 3;

type State =
  | { kind: "idle" }
  | { kind: "pressing"; key: string; orig: Box; sx: number; sy: number; moving: boolean; current: Box }
  | { kind: "shifting"; key: string; orig: Rings; sx: number; sy: number; moving: boolean; current: Rings }
  | { kind: "vertex"; key: string; rings: Rings; ring: number; index: number; changed: boolean }
  | { kind: "resizing"; key: string; handle: Handle; orig: Box; current: Box }
  | { kind: "panning"; x: number; y: number };

function copy(rings: Rings): Rings {
  return rings.map((r) => r.map(([x, y]) => [x, y] as [number, number]));
}

function bounds(rings: Rings): Box {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const r of rings) for (const [x, y] of r) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** The rings moved by (dx, dy) image pixels, kept inside the image. */
export function shiftRings(rings: Rings, dx: number, dy: number, width: number, height: number): Rings {
  const b = bounds(rings);
  const mx = Math.min(Math.max(dx, -b.x), width - b.x - b.w);
  const my = Math.min(Math.max(dy, -b.y), height - b.y - b.h);
  return rings.map((r) => r.map(([x, y]) => [x + mx, y + my] as [number, number]));
}

export function createSelectTool(host: ToolHost): Tool {
  let state: State = { kind: "idle" };

  const draft = (key: string, box: Box, mode: "move" | "resize"): void =>
    host.setDraft({ key, box, label: host.labelOf(key), mode });
  const ringDraft = (key: string, rings: Rings, mode: "move" | "resize"): void =>
    host.setDraft({ key, box: bounds(rings), label: host.labelOf(key), mode, rings });

  const hover = (p: PointerInfo): void => {
    const hit = host.hitTest(p.x, p.y);
    host.hover(hit?.key ?? null);
    if (!hit) host.setCursor("default");
    else if (hit.part === "vertex") host.setCursor(p.alt ? "not-allowed" : "grab");
    else if (hit.part === "edge") host.setCursor("copy");
    else if (hit.part === "inside") host.setCursor(hit.key === host.selected() ? "move" : "pointer");
    else host.setCursor(cursorFor(hit.part));
  };

  /** A press on a selected polygon's vertex or edge midpoint. */
  const pressVertex = (key: string, part: "vertex" | "edge", ring: number, index: number, alt: boolean): void => {
    const rings = copy(host.ringsOf(key)!);
    const r = rings[ring]!;
    if (part === "vertex" && alt) {
      if (r.length <= 3) host.hint("A ring needs at least three points.");
      else {
        r.splice(index, 1);
        host.updateRings(key, rings);
      }
      return;
    }
    if (part === "edge") {
      const [ax, ay] = r[index]!, [bx, by] = r[(index + 1) % r.length]!;
      r.splice(index + 1, 0, [(ax + bx) / 2, (ay + by) / 2]);
      index += 1;
    }
    state = { kind: "vertex", key, rings, ring, index, changed: part === "edge" };
    ringDraft(key, rings, "resize");
    host.setCursor("grabbing");
  };

  const tool: Tool = {
    name: "select",
    cursor: "default",
    guides: false,
    get busy() {
      return state.kind !== "idle";
    },
    down(p) {
      if (p.button !== 0) return;
      const hit = host.hitTest(p.x, p.y);
      if (!hit) {
        host.select(null);
        state = { kind: "panning", x: p.x, y: p.y };
        host.setCursor("grabbing");
        return;
      }
      if ((hit.part === "vertex" || hit.part === "edge") && hit.ring !== undefined && hit.index !== undefined) {
        pressVertex(hit.key, hit.part, hit.ring, hit.index, p.alt);
        return;
      }
      const rings = host.kindOf(hit.key) === "polygon" ? host.ringsOf(hit.key) : null;
      if (rings) {
        host.select(hit.key);
        state = { kind: "shifting", key: hit.key, orig: rings, sx: p.x, sy: p.y, moving: false, current: rings };
        return;
      }
      const orig = host.boxOf(hit.key);
      if (!orig) {
        host.select(hit.key);
        return;
      }
      if (hit.part !== "inside" && hit.part !== "vertex" && hit.part !== "edge" && hit.key === host.selected()) {
        state = { kind: "resizing", key: hit.key, handle: hit.part, orig, current: orig };
        return;
      }
      host.select(hit.key);
      state = { kind: "pressing", key: hit.key, orig, sx: p.x, sy: p.y, moving: false, current: orig };
    },
    move(p) {
      const { width, height } = host.imageSize();
      switch (state.kind) {
        case "idle":
          hover(p);
          return;
        case "panning":
          host.panBy(p.x - state.x, p.y - state.y);
          state.x = p.x;
          state.y = p.y;
          return;
        case "resizing": {
          const pt = host.view.toImage(p.x, p.y);
          state.current = resizeBox(state.orig, state.handle, pt.x, pt.y, width, height);
          draft(state.key, state.current, "resize");
          return;
        }
        case "vertex": {
          const pt = host.view.toImage(p.x, p.y);
          state.rings[state.ring]![state.index] = [Math.min(width, Math.max(0, pt.x)), Math.min(height, Math.max(0, pt.y))];
          state.changed = true;
          ringDraft(state.key, state.rings, "resize");
          return;
        }
        case "pressing":
        case "shifting": {
          const dx = p.x - state.sx;
          const dy = p.y - state.sy;
          if (!state.moving && Math.max(Math.abs(dx), Math.abs(dy)) < MOVE_THRESHOLD) return;
          state.moving = true;
          host.setCursor("move");
          const ix = dx / host.view.scale, iy = dy / host.view.scale;
          if (state.kind === "pressing") {
            state.current = moveBox(state.orig, ix, iy, width, height);
            draft(state.key, state.current, "move");
          } else {
            state.current = shiftRings(state.orig, ix, iy, width, height);
            ringDraft(state.key, state.current, "move");
          }
          return;
        }
      }
    },
    up(p) {
      // The release point counts even when no move event came before it.
      if (state.kind !== "idle" && state.kind !== "panning" && !(state.kind === "vertex" && !state.changed && p.alt)) tool.move(p);
      const s = state;
      state = { kind: "idle" };
      if (s.kind === "resizing" || (s.kind === "pressing" && s.moving)) {
        host.setDraft(null);
        host.updateBox(s.key, s.current);
      } else if (s.kind === "shifting" && s.moving) {
        host.setDraft(null);
        host.updateRings(s.key, s.current);
      } else if (s.kind === "vertex") {
        host.setDraft(null);
        if (s.changed) host.updateRings(s.key, s.rings);
      }
      hover(p);
    },
    cancel() {
      if (state.kind === "idle") return false;
      state = { kind: "idle" };
      host.setDraft(null);
      return true;
    },
  };
  return tool;
}
