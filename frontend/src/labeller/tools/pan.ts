/** Hand tool: drag to pan. Used while Space is held and for the middle button. */
import type { PointerInfo, Tool, ToolHost } from "./registry";

export function createPanTool(host: ToolHost): Tool {
  let last: { x: number; y: number } | null = null;
  return {
    name: "pan",
    cursor: "grab",
    guides: false,
    get busy() {
      return last !== null;
    },
    down(p: PointerInfo) {
      last = { x: p.x, y: p.y };
      host.setCursor("grabbing");
    },
    move(p: PointerInfo) {
      if (!last) {
        host.setCursor("grab");
        return;
      }
      host.panBy(p.x - last.x, p.y - last.y);
      last = { x: p.x, y: p.y };
    },
    up() {
      last = null;
      host.setCursor("grab");
    },
    cancel() {
      const was = last !== null;
      last = null;
      return was;
    },
  };
}
