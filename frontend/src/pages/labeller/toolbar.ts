/** The thin tool strip on the left: tools, zoom, undo/redo. */
import { h } from "../../lib/dom";
import type { ToolName } from "../../labeller/tools/registry";

export interface ToolbarActions {
  tool: (name: ToolName) => void;
  /** Show the crop tool (managers). */
  canCrop: boolean;
  zoomIn: () => void;
  zoomOut: () => void;
  fit: () => void;
  undo: () => void;
  redo: () => void;
}

const noFocus = (e: Event): void => e.preventDefault();

const ICONS = {
  select: `<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M5 3l10 6.5-4.6 1 2.6 5-2 1-2.6-5L5 15z" fill="currentColor"/></svg>`,
  box: `<svg viewBox="0 0 20 20" aria-hidden="true"><rect x="4" y="5" width="12" height="10" rx="1" fill="none" stroke="currentColor" stroke-width="1.8" stroke-dasharray="3 2"/><path d="M2 5h3M4 3v4M15 15h3M16 13v4" stroke="currentColor" stroke-width="1.6"/></svg>`,
  polygon: `<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M4 6l7-3 6 5-3 8-9-2z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/><circle cx="4" cy="6" r="1.6" fill="currentColor"/><circle cx="11" cy="3" r="1.6" fill="currentColor"/><circle cx="17" cy="8" r="1.6" fill="currentColor"/><circle cx="14" cy="16" r="1.6" fill="currentColor"/><circle cx="5" cy="14" r="1.6" fill="currentColor"/></svg>`,
  assist: `<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M3 17l8-8" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/><path d="M13 2l.8 2.2L16 5l-2.2.8L13 8l-.8-2.2L10 5l2.2-.8zM17 9l.5 1.3 1.3.5-1.3.5L17 12.6l-.5-1.3-1.3-.5 1.3-.5z" fill="currentColor"/></svg>`,
  brush: `<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M16.5 2.5l1 1-7.5 8-1.8-1.6z" fill="currentColor"/><path d="M7.6 11.2l1.6 1.5c-.3 2.6-2.4 4.3-6.2 4 1.4-1.1 1-2.6 2-3.9.6-.9 1.6-1.4 2.6-1.6z" fill="currentColor"/></svg>`,
  eraser: `<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M11.5 3.5l5 5-7 7.5H5.5l-2.5-2.5z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/><path d="M7 8l5 5M9.5 16H17" stroke="currentColor" stroke-width="1.6"/></svg>`,
  crop: `<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M6 2v12h12M2 6h12v12" fill="none" stroke="currentColor" stroke-width="1.7"/></svg>`,
  pan: `<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M7 9V4.5a1.2 1.2 0 012.4 0V9m0-1V3.5a1.2 1.2 0 012.4 0V9m0-.5V5a1.2 1.2 0 012.4 0v6.5c0 3-2 5.5-5 5.5-2.2 0-3.3-1-4.6-3L3.3 10.6a1.2 1.2 0 012-1.3L7 11" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round"/></svg>`,
};

export class Toolbar {
  readonly el: HTMLElement;
  private readonly buttons = new Map<ToolName, HTMLButtonElement>();
  private readonly undoBtn: HTMLButtonElement;
  private readonly redoBtn: HTMLButtonElement;

  constructor(a: ToolbarActions) {
    const tool = (name: ToolName, title: string, key: string): HTMLButtonElement => {
      const b = h("button", {
        type: "button", class: "tool", title: `${title} (${key})`, "aria-label": title, "aria-pressed": "false",
        "data-tool": name, "data-testid": `tool-${name}`, onmousedown: noFocus, onclick: () => a.tool(name),
      });
      b.innerHTML = ICONS[name];
      b.appendChild(h("kbd", null, key));
      this.buttons.set(name, b);
      return b;
    };
    const act = (label: string, title: string, fn: () => void, testid: string): HTMLButtonElement =>
      h("button", { type: "button", class: "tool text", title, "aria-label": title, "data-testid": testid, onmousedown: noFocus, onclick: fn }, label);
    this.undoBtn = act("↶", "Undo (Ctrl+Z)", a.undo, "undo");
    this.redoBtn = act("↷", "Redo (Ctrl+Shift+Z, Ctrl+Y)", a.redo, "redo");
    this.el = h("nav", { class: "lab-tools", "aria-label": "Tools" },
      tool("select", "Select and edit", "V"),
      tool("box", "Draw box", "B"),
      tool("polygon", "Draw polygon: click the points, click the first again (or Enter) to close", "P"),
      tool("assist", "Outline an object: drag a box around it, click to refine, Enter to make it", "W"),
      tool("brush", "Paint a mask ([ and ] change the size)", "K"),
      tool("eraser", "Erase from the selected mask ([ and ] change the size)", "E"),
      a.canCrop ? tool("crop", "Crop into a new image", "C") : null,
      h("hr"),
      act("+", "Zoom in (+, wheel)", a.zoomIn, "zoom-in"),
      act("−", "Zoom out (−, wheel)", a.zoomOut, "zoom-out"),
      act("⤢", "Fit to screen (F, 0)", a.fit, "zoom-fit"),
      h("hr"),
      this.undoBtn,
      this.redoBtn,
    );
    this.setHistory(false, false);
  }

  setTool(name: ToolName): void {
    for (const [n, b] of this.buttons) {
      const on = n === name;
      b.classList.toggle("active", on);
      b.setAttribute("aria-pressed", String(on));
    }
  }

  setHistory(canUndo: boolean, canRedo: boolean): void {
    this.undoBtn.disabled = !canUndo;
    this.redoBtn.disabled = !canRedo;
  }
}
