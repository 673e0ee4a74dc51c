/** Helpers that wire the core to the page: the tool host, the side panel, storage, hints. */
import type { ImageStatus } from "../../api/images";
import type { Editor } from "../../labeller/core/editor";
import type { LabelSet } from "../../labeller/core/labels";
import type { Interaction } from "../../labeller/core/selection";
import type { AnnotationStore } from "../../labeller/core/store";
import { boundsOf } from "../../labeller/shapes/bounds";
import type { Viewport } from "../../labeller/core/viewport";
import type { KVStorage } from "../../labeller/sync/ops";
import type { Box } from "../../api/annotations";
import { createBoxTool } from "../../labeller/tools/box";
import { createAssistTool, type Segmenter } from "../../labeller/tools/assist";
import { BrushSize, createBrushTool } from "../../labeller/tools/brush";
import { createPolygonTool } from "../../labeller/tools/polygon";
import { createCropTool } from "../../labeller/tools/crop";
import { hitTestAnnotations } from "../../labeller/tools/hit";
import { createPanTool } from "../../labeller/tools/pan";
import { ToolRegistry, type Tool, type ToolFactory, type ToolHost, type ToolName } from "../../labeller/tools/registry";
import { createSelectTool } from "../../labeller/tools/select";
import { h } from "../../lib/dom";
import { BoxList } from "./boxlist";
import { ImageCard } from "./imagecard";
import { LabelPicker, TagChips } from "./labels";

export function safeStorage(): KVStorage | null {
  try {
    const s = window.localStorage;
    const probe = "labelforge.probe";
    s.setItem(probe, "1");
    s.removeItem(probe);
    return s;
  } catch {
    return null;
  }
}

export interface ToolDeps {
  store: AnnotationStore;
  interaction: Interaction;
  viewport: Viewport;
  editor: Editor;
  labels: LabelSet;
  canvas: HTMLCanvasElement;
  hint: (message: string) => void;
  /** The crop tool's region (null: dropped); no crop tool without it (not a manager). */
  onRegion?: (box: Box | null) => void;
  /** The server's segmentation assist for the image on screen. */
  segment: Segmenter;
}

export function createTools(d: ToolDeps): { tools: ToolRegistry; pan: Tool; host: ToolHost; brush: BrushSize } {
  const { store, interaction, viewport, editor, labels, canvas } = d;
  let boxesRev = -1;
  let boxes = store.boxes();
  const host: ToolHost = {
    view: viewport,
    imageSize: () => ({ width: viewport.imageWidth, height: viewport.imageHeight }),
    hitTest: (sx, sy) => {
      if (boxesRev !== store.rev) {
        boxes = store.all().filter((a) => (a.kind === "box" && a.box) || (a.kind === "polygon" && a.rings) || (a.kind === "mask" && a.mask));
        boxesRev = store.rev;
      }
      return hitTestAnnotations(boxes, interaction.selected, viewport, sx, sy);
    },
    boxOf: (key) => store.get(key)?.box ?? null,
    labelOf: (key) => store.get(key)?.label ?? null,
    kindOf: (key) => store.get(key)?.kind ?? null,
    ringsOf: (key) => store.get(key)?.rings ?? null,
    maskOf: (key) => store.get(key)?.mask ?? null,
    selected: () => interaction.selected,
    select: (key) => interaction.select(key),
    hover: (key) => interaction.hover(key),
    currentLabel: () => labels.current,
    createBox: (label, box) => editor.createBox(label, box).key,
    createPolygon: (label, rings) => editor.createPolygon(label, rings).key,
    updateBox: (key, box) => void editor.updateBox(key, box),
    updateRings: (key, rings) => void editor.updateRings(key, rings),
    createMask: (label, mask) => editor.createMask(label, mask).key,
    updateMask: (key, mask) => void editor.updateMask(key, mask),
    remove: (key) => void editor.remove(key),
    setDraft: (draft) => interaction.setDraft(draft),
    setCursor: (cursor) => {
      if (canvas.style.cursor !== cursor) canvas.style.cursor = cursor;
    },
    panBy: (dx, dy) => viewport.panBy(dx, dy),
    hint: d.hint,
    chooseRegion: (box) => d.onRegion?.(box),
  };
  const brush = new BrushSize();
  const factories: Partial<Record<ToolName, ToolFactory>> = { select: createSelectTool, box: createBoxTool, polygon: createPolygonTool,
    assist: (h) => createAssistTool(h, d.segment), brush: (h) => createBrushTool(h, brush, false),
    eraser: (h) => createBrushTool(h, brush, true), pan: createPanTool };
  if (d.onRegion) factories.crop = createCropTool;
  const tools = new ToolRegistry(host, factories, "select");
  return { tools, pan: createPanTool(host), host, brush };
}

export interface PanelDeps {
  labels: LabelSet;
  store: AnnotationStore;
  interaction: Interaction;
  editor: Editor;
  viewport: Viewport;
  canManage: boolean;
  pickLabel: (id: number) => void;
  setStatus: (status: ImageStatus) => void;
  toggleGold: () => void;
  /** Tag chip clicked (default: toggle the tag). */
  toggleTag?: (label: number) => void;
}

/** The right-hand panel: label picker, tags, boxes, image card (people are added by the page). */
export function buildPanel(d: PanelDeps): { el: HTMLElement; card: ImageCard } {
  const picker = new LabelPicker(d.labels, d.pickLabel);
  const chips = new TagChips(d.labels, d.store, (id) => (d.toggleTag ? d.toggleTag(id) : d.editor.toggleTag(id)));
  const boxes = new BoxList(d.store, d.labels, d.interaction, {
    select: (key) => d.interaction.select(key),
    hover: (key) => d.interaction.hover(key),
    setLabel: (key, label) => d.editor.setLabel(key, label),
    remove: (key) => d.editor.remove(key),
    focus: (key) => {
      const a = d.store.get(key);
      const b = a ? boundsOf(a) : null;
      if (!b) return;
      d.interaction.select(key);
      zoomToBox(d.viewport, b);
    },
  });
  const card = new ImageCard(d.canManage, { setStatus: d.setStatus, toggleGold: d.toggleGold });
  const el = h("aside", { class: "lab-panel", "aria-label": "Labels, tags and boxes" }, picker.el, chips.el, boxes.el, card.el);
  return { el, card };
}

/** Frame a box with some room around it. */
function zoomToBox(vp: Viewport, b: { x: number; y: number; w: number; h: number }): void {
  const pad = 3;
  const scale = Math.min(vp.width / Math.max(1, b.w * pad), vp.height / Math.max(1, b.h * pad));
  vp.zoomTo(scale);
  const c = vp.toScreen(b.x + b.w / 2, b.y + b.h / 2);
  vp.panBy(vp.width / 2 - c.x, vp.height / 2 - c.y);
}

/** `selected`: what is selected (a box, a polygon, a mask) or false. */
export function hintFor(tool: ToolName, label: string | null, selected: boolean | "polygon" | "mask", brush = 10): string {
  if (tool === "box") {
    return label
      ? `Drag to draw a “${label}” box · Shift+1–9 picks the label · Esc cancels · V to select`
      : "Add a label to the project to draw boxes";
  }
  if (tool === "polygon") {
    return label
      ? `Click the points of a “${label}” polygon · click the first point or press Enter to close · Backspace takes one back · Esc drops it`
      : "Add a label to the project to draw polygons";
  }
  if (tool === "assist") {
    return label
      ? `Drag a box around a “${label}” to outline it · click to add, Alt+click to take away · Enter makes it · Esc drops it`
      : "Add a label to the project to outline objects";
  }
  if (tool === "brush") {
    const into = selected === "mask" ? "the selected mask" : label ? `a new “${label}” mask` : null;
    return into ? `Paint into ${into} · brush ${brush * 2} px: [ smaller, ] larger · E erases · Ctrl+Z undoes a stroke`
      : "Add a label to the project to paint masks";
  }
  if (tool === "eraser") {
    return selected === "mask" ? `Erase from the selected mask · eraser ${brush * 2} px: [ smaller, ] larger · K paints`
      : "Select a mask first (V, then click it) to erase from it";
  }
  if (tool === "crop") return "Drag a region to crop into a new image · turn it in the panel · Enter creates · Esc cancels";
  if (selected === "polygon") {
    return "Drag a point to move it · drag a mid-edge dot to add one · Alt+click a point removes it · drag inside to move · X makes it a mask · Del deletes";
  }
  if (selected === "mask") return "K paints into it · E erases · X makes it polygons · 1–9 relabels · Del deletes";
  if (selected) return "Drag to move · drag handles or edges to resize · 1–9 relabels · Del deletes · Esc deselects";
  return "Click a box to select · drag empty space to pan · B draws boxes · ? for all shortcuts";
}
