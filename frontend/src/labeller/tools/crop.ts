/**
 * Crop tool (the Transform): drag a region; it stays on screen (a white dashed frame) and
 * is handed to the page, whose panel turns it and makes a new image of it. A click clears
 * it; Esc (cancel) too.
 */
import { boxFromDrag, isTinyDrag } from "../shapes/box";
import type { PointerInfo, Tool, ToolHost } from "./registry";

export function createCropTool(host: ToolHost): Tool {
  let start: { sx: number; sy: number; ix: number; iy: number } | null = null;
  let chosen = false;

  const region = (p: PointerInfo) => {
    const { width, height } = host.imageSize();
    const pt = host.view.toImage(p.x, p.y);
    return boxFromDrag(start!.ix, start!.iy, pt.x, pt.y, width, height);
  };
  const clear = (): boolean => {
    const had = start !== null || chosen;
    start = null;
    chosen = false;
    host.setDraft(null);
    host.chooseRegion(null);
    return had;
  };

  return {
    name: "crop",
    cursor: "crosshair",
    guides: true,
    get busy() {
      return start !== null;
    },
    down(p) {
      if (p.button !== 0) return;
      const { width, height } = host.imageSize();
      const pt = host.view.toImage(p.x, p.y);
      start = { sx: p.x, sy: p.y, ix: Math.min(width, Math.max(0, pt.x)), iy: Math.min(height, Math.max(0, pt.y)) };
      host.setDraft({ key: null, box: { x: start.ix, y: start.iy, w: 0, h: 0 }, label: null, mode: "crop" });
    },
    move(p) {
      if (start === null) {
        host.setCursor("crosshair");
        return;
      }
      host.setDraft({ key: null, box: region(p), label: null, mode: "crop" });
    },
    up(p) {
      if (start === null) return;
      const box = region(p);
      const tiny = isTinyDrag(p.x - start.sx, p.y - start.sy) || box.w < 1 || box.h < 1;
      start = null;
      if (tiny) {
        clear();
        return;
      }
      chosen = true;
      host.setDraft({ key: null, box, label: null, mode: "crop" });
      host.chooseRegion(box);
    },
    cancel: clear,
  };
}
