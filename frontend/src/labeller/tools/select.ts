/**
 * Select tool: click a box to select it, drag it to move, drag a handle or an edge of the
 * selected box to resize, click empty space to clear the selection. Dragging on empty
 * space pans the view (the hand), so a zoomed-in image is easy to move around.
 */
import type { Box } from "../../api/annotations";
import { cursorFor, moveBox, resizeBox, type Handle } from "../shapes/box";
import type { PointerInfo, Tool, ToolHost } from "./registry";

/** Screen pixels a press must travel before it becomes a move (so clicks never nudge). */
const MOVE_THRESHOLD = 3;

type State =
  | { kind: "idle" }
  | { kind: "pressing"; key: string; orig: Box; sx: number; sy: number; moving: boolean; current: Box }
  | { kind: "resizing"; key: string; handle: Handle; orig: Box; current: Box }
  | { kind: "panning"; x: number; y: number };

export function createSelectTool(host: ToolHost): Tool {
  let state: State = { kind: "idle" };

  const draft = (key: string, box: Box, mode: "move" | "resize"): void =>
    host.setDraft({ key, box, label: host.labelOf(key), mode });

  const hover = (p: PointerInfo): void => {
    const hit = host.hitTest(p.x, p.y);
    host.hover(hit?.key ?? null);
    if (!hit) host.setCursor("default");
    else if (hit.part === "inside") host.setCursor(hit.key === host.selected() ? "move" : "pointer");
    else host.setCursor(cursorFor(hit.part));
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
      const orig = host.boxOf(hit.key);
      if (!orig) {
        host.select(hit.key);
        return;
      }
      if (hit.part !== "inside" && hit.key === host.selected()) {
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
        case "pressing": {
          const dx = p.x - state.sx;
          const dy = p.y - state.sy;
          if (!state.moving && Math.max(Math.abs(dx), Math.abs(dy)) < MOVE_THRESHOLD) return;
          state.moving = true;
          host.setCursor("move");
          state.current = moveBox(state.orig, dx / host.view.scale, dy / host.view.scale, width, height);
          draft(state.key, state.current, "move");
          return;
        }
      }
    },
    up(p) {
      // The release point counts even when no move event came before it.
      if (state.kind === "resizing" || state.kind === "pressing") tool.move(p);
      const s = state;
      state = { kind: "idle" };
      if (s.kind === "resizing" || (s.kind === "pressing" && s.moving)) {
        host.setDraft(null);
        host.updateBox(s.key, s.current);
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
