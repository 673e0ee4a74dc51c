/**
 * Box tool: press, drag, release draws a box with the current label. A drag under
 * MIN_DRAG screen pixels on either axis draws nothing: it is a click, which selects the
 * box under the pointer (or clears the selection). The new box is selected.
 */
import { boxFromDrag, isTinyDrag } from "../shapes/box";
import type { PointerInfo, Tool, ToolHost } from "./registry";

type State = { kind: "idle" } | { kind: "drawing"; sx: number; sy: number; ix: number; iy: number; label: number };

export function createBoxTool(host: ToolHost): Tool {
  let state: State = { kind: "idle" };

  const draftBox = (p: PointerInfo, s: Extract<State, { kind: "drawing" }>) => {
    const { width, height } = host.imageSize();
    const pt = host.view.toImage(p.x, p.y);
    return boxFromDrag(s.ix, s.iy, pt.x, pt.y, width, height);
  };

  return {
    name: "box",
    cursor: "crosshair",
    guides: true,
    get busy() {
      return state.kind !== "idle";
    },
    down(p) {
      if (p.button !== 0) return;
      const label = host.currentLabel();
      if (label === null) {
        host.hint("Add a label to the project first.");
        return;
      }
      const { width, height } = host.imageSize();
      const pt = host.view.toImage(p.x, p.y);
      state = {
        kind: "drawing", sx: p.x, sy: p.y,
        ix: Math.min(width, Math.max(0, pt.x)), iy: Math.min(height, Math.max(0, pt.y)), label,
      };
      host.setDraft({ key: null, box: { x: state.ix, y: state.iy, w: 0, h: 0 }, label, mode: "draw" });
    },
    move(p) {
      if (state.kind !== "drawing") {
        host.setCursor("crosshair");
        return;
      }
      host.setDraft({ key: null, box: draftBox(p, state), label: state.label, mode: "draw" });
    },
    up(p) {
      if (state.kind !== "drawing") return;
      const s = state;
      state = { kind: "idle" };
      host.setDraft(null);
      if (isTinyDrag(p.x - s.sx, p.y - s.sy)) {
        const hit = host.hitTest(p.x, p.y);
        host.select(hit ? hit.key : null);
        return;
      }
      const box = draftBox(p, s);
      if (box.w <= 0 || box.h <= 0) return;
      host.select(host.createBox(s.label, box));
    },
    cancel() {
      if (state.kind === "idle") return false;
      state = { kind: "idle" };
      host.setDraft(null);
      return true;
    },
  };
}
