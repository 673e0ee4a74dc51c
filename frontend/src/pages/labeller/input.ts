/** Pointer and wheel on the canvas -> tools and viewport. Space or the middle button pans. */
import type { Interaction } from "../../labeller/core/selection";
import type { Viewport } from "../../labeller/core/viewport";
import type { PointerInfo, Tool, ToolRegistry } from "../../labeller/tools/registry";

export interface CanvasInput {
  /** Space held: pan whatever the tool. */
  setSpace(on: boolean): void;
  /** Cancel a gesture in progress (Esc). True when there was one. */
  cancel(): boolean;
  /** Current idle cursor of the active tool. */
  refreshCursor(): void;
}

export function attachCanvasInput(
  canvas: HTMLCanvasElement,
  tools: ToolRegistry,
  pan: Tool,
  viewport: Viewport,
  interaction: Interaction,
  onPointer: (image: { x: number; y: number } | null, inside: boolean) => void,
): CanvasInput {
  let space = false;
  let gesture: Tool | null = null;
  let middle: { x: number; y: number } | null = null;

  const info = (e: PointerEvent | MouseEvent): PointerInfo => {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top, button: e.button, shift: e.shiftKey, alt: e.altKey };
  };
  const current = (): Tool => (space ? pan : tools.active);
  const refreshCursor = (): void => {
    canvas.style.cursor = space ? "grab" : tools.active.cursor;
    interaction.setGuides(!space && tools.active.guides);
  };

  canvas.addEventListener("pointerdown", (e) => {
    // A select or button in the panel keeps focus otherwise, and shortcuts would stay quiet.
    const focused = document.activeElement as HTMLElement | null;
    if (focused && focused !== document.body) focused.blur();
    const p = info(e);
    canvas.setPointerCapture(e.pointerId);
    if (e.button === 1) {
      e.preventDefault();
      middle = { x: p.x, y: p.y };
      canvas.style.cursor = "grabbing";
      return;
    }
    if (e.button !== 0) return;
    gesture = current();
    gesture.down(p);
  });

  canvas.addEventListener("pointermove", (e) => {
    const p = info(e);
    interaction.setPointer({ x: p.x, y: p.y });
    const ip = viewport.toImage(p.x, p.y);
    onPointer(ip, ip.x >= 0 && ip.y >= 0 && ip.x <= viewport.imageWidth && ip.y <= viewport.imageHeight);
    if (middle) {
      viewport.panBy(p.x - middle.x, p.y - middle.y);
      middle = { x: p.x, y: p.y };
      return;
    }
    (gesture ?? current()).move(p);
  });

  const end = (e: PointerEvent): void => {
    const p = info(e);
    if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
    if (middle && e.button === 1) {
      middle = null;
      refreshCursor();
      return;
    }
    const g = gesture;
    gesture = null;
    if (e.type === "pointercancel") g?.cancel();
    else g?.up(p);
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", () => {
    if (gesture || middle) return;
    interaction.setPointer(null);
    interaction.hover(null);
    onPointer(null, false);
  });
  canvas.addEventListener("auxclick", (e) => e.preventDefault());
  canvas.addEventListener("contextmenu", (e) => e.preventDefault());

  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const p = info(e);
    const unit = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 800 : 1;
    // Trackpad pinch arrives as ctrl+wheel with small deltas: make it as lively.
    const k = e.ctrlKey ? 0.01 : 0.0015;
    const dy = Math.max(-600, Math.min(600, e.deltaY * unit));
    viewport.zoomAt(p.x, p.y, Math.exp(-dy * k));
  }, { passive: false });

  tools.on(() => refreshCursor());
  refreshCursor();

  return {
    setSpace(on) {
      if (space === on) return;
      space = on;
      refreshCursor();
    },
    cancel() {
      const g = gesture ?? tools.active;
      gesture = null;
      return g.cancel();
    },
    refreshCursor,
  };
}
