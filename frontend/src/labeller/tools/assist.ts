/**
 * Assist tool (W): drag a box around an object and the server's GrabCut (POST
 * /images/{id}/segment/) proposes its outline; click on the object to add to it, Alt+click
 * (or a right click) off it to take away, each click asking again; Enter makes the polygon
 * with the current label (undoable, saved), Esc drops the proposal.
 */
import type { Box } from "../../api/annotations";
import { boxFromDrag, isTinyDrag } from "../shapes/box";
import type { PointerInfo, Tool, ToolHost } from "./registry";

type Point = [number, number];
export interface AssistClick { x: number; y: number; positive: boolean }
export type Segmenter = (box: Box, points: AssistClick[]) => Promise<Point[][] | null>;

type State =
  | { kind: "idle" }
  | { kind: "boxing"; sx: number; sy: number; ix: number; iy: number; label: number }
  | { kind: "proposed"; box: Box; label: number; clicks: AssistClick[]; rings: Point[][] | null; asking: number };

export function createAssistTool(host: ToolHost, segmenter: Segmenter): Tool & { key(key: string): boolean } {
  let state: State = { kind: "idle" };
  let asked = 0;

  const image = (p: PointerInfo): Point => {
    const { width, height } = host.imageSize();
    const pt = host.view.toImage(p.x, p.y);
    return [Math.min(width, Math.max(0, pt.x)), Math.min(height, Math.max(0, pt.y))];
  };
  const show = (): void => {
    if (state.kind !== "proposed") return;
    const marks = state.clicks.map((c) => ({ x: c.x, y: c.y, positive: c.positive }));
    host.setDraft({ key: null, label: state.label, mode: "draw", box: state.box, marks,
      ...(state.rings ? { points: state.rings[0]!, closed: true } : {}) });
  };
  const ask = (): void => {
    if (state.kind !== "proposed") return;
    const ticket = ++asked;
    const s = state;
    s.asking = ticket;
    show();
    segmenter(s.box, s.clicks).then((rings) => {
      if (state !== s || s.asking !== ticket) return; // dropped, or asked again since
      s.rings = rings;
      s.asking = 0;
      if (!rings) host.hint("Nothing found in that box: draw it closer around the object.");
      show();
    }, (err: unknown) => {
      if (state !== s) return;
      s.asking = 0;
      host.hint(`The assist failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
  const drop = (): boolean => {
    if (state.kind === "idle") return false;
    state = { kind: "idle" };
    host.setDraft(null);
    return true;
  };

  return {
    name: "assist",
    cursor: "crosshair",
    guides: true,
    get busy() {
      return state.kind !== "idle";
    },
    down(p) {
      if (state.kind === "proposed") {
        const [x, y] = image(p);
        state.clicks.push({ x, y, positive: p.button === 0 && !p.alt });
        ask();
        return;
      }
      if (p.button !== 0) return;
      const label = host.currentLabel();
      if (label === null) {
        host.hint("Add a label to the project first.");
        return;
      }
      const [ix, iy] = image(p);
      state = { kind: "boxing", sx: p.x, sy: p.y, ix, iy, label };
      host.setDraft({ key: null, box: { x: ix, y: iy, w: 0, h: 0 }, label, mode: "draw" });
    },
    move(p) {
      if (state.kind !== "boxing") return;
      const [x, y] = image(p);
      const { width, height } = host.imageSize();
      host.setDraft({ key: null, box: boxFromDrag(state.ix, state.iy, x, y, width, height), label: state.label, mode: "draw" });
    },
    up(p) {
      if (state.kind !== "boxing") return;
      const s = state;
      const [x, y] = image(p);
      const { width, height } = host.imageSize();
      const box = boxFromDrag(s.ix, s.iy, x, y, width, height);
      if (isTinyDrag(p.x - s.sx, p.y - s.sy) || box.w < 2 || box.h < 2) {
        drop();
        return;
      }
      state = { kind: "proposed", box, label: s.label, clicks: [], rings: null, asking: 0 };
      ask();
    },
    cancel: drop,
    key(key) {
      if (state.kind !== "proposed") return false;
      if (key === "Enter") {
        if (!state.rings) {
          host.hint(state.asking ? "Still working on it…" : "Nothing to make yet.");
          return true;
        }
        const { label, rings } = state;
        drop();
        host.createPolygon(label, rings);
        return true;
      }
      if (key === "Backspace" && state.clicks.length) {
        state.clicks.pop();
        ask();
        return true;
      }
      return false;
    },
  };
}
