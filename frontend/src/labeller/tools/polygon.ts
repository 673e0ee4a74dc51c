/**
 * Polygon tool: each click adds a point; clicking the first point again (or a double click,
 * or Enter) closes the polygon once it has three, which is then made with the current label
 * (undoable, saved). Backspace takes back the last point; Esc drops the polygon. Points are
 * kept inside the image.
 */
import type { PointerInfo, Tool, ToolHost } from "./registry";

/** Screen pixels: a click this close to the first point closes the polygon. */
export const CLOSE_PX = 10;
/** Screen pixels: a click this close to the last point is a double click (closes). */
const SAME_PX = 4;

type Point = [number, number];
type State = { kind: "idle" } | { kind: "drawing"; label: number; points: Point[]; pointer: Point | null };

export function createPolygonTool(host: ToolHost): Tool & { key(key: string): boolean } {
  let state: State = { kind: "idle" };

  const clamp = (p: PointerInfo): Point => {
    const { width, height } = host.imageSize();
    const pt = host.view.toImage(p.x, p.y);
    return [Math.min(width, Math.max(0, pt.x)), Math.min(height, Math.max(0, pt.y))];
  };
  const screenDistance = (a: Point, p: PointerInfo): number => {
    const s = host.view.scale;
    return Math.hypot(a[0] * s + host.view.tx - p.x, a[1] * s + host.view.ty - p.y);
  };
  const show = (): void => {
    if (state.kind !== "drawing") return host.setDraft(null);
    const pts = state.pointer ? [...state.points, state.pointer] : state.points;
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    const x = Math.min(...xs), y = Math.min(...ys);
    host.setDraft({ key: null, label: state.label, mode: "draw", points: pts.map(([px, py]) => [px, py]),
      box: { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y } });
  };
  const finish = (): boolean => {
    if (state.kind !== "drawing") return false;
    if (state.points.length < 3) {
      host.hint("A polygon needs at least three points.");
      return true;
    }
    const { label, points } = state;
    state = { kind: "idle" };
    host.setDraft(null);
    host.createPolygon(label, [points]);
    return true;
  };

  return {
    name: "polygon",
    cursor: "crosshair",
    guides: false,
    get busy() {
      return state.kind !== "idle";
    },
    down(p) {
      if (p.button !== 0) return;
      if (state.kind === "idle") {
        const label = host.currentLabel();
        if (label === null) {
          host.hint("Add a label to the project first.");
          return;
        }
        host.select(null);
        state = { kind: "drawing", label, points: [clamp(p)], pointer: null };
        show();
        return;
      }
      const first = state.points[0]!, last = state.points[state.points.length - 1]!;
      if (state.points.length >= 3 && (screenDistance(first, p) <= CLOSE_PX || screenDistance(last, p) <= SAME_PX)) {
        finish();
        return;
      }
      if (screenDistance(last, p) <= SAME_PX) return; // a double click on too few points
      state.points.push(clamp(p));
      show();
    },
    move(p) {
      if (state.kind !== "drawing") return;
      state.pointer = clamp(p);
      show();
    },
    up() {},
    cancel() {
      if (state.kind === "idle") return false;
      state = { kind: "idle" };
      host.setDraft(null);
      return true;
    },
    key(key) {
      if (state.kind !== "drawing") return false;
      if (key === "Enter") return finish();
      if (key === "Backspace" || key === "Delete") {
        state.points.pop();
        if (!state.points.length) state = { kind: "idle" };
        show();
        return true;
      }
      return false;
    },
  };
}
