/**
 * `window.__labeller`: a small hook for end-to-end tests and benchmarks (read the store in
 * image pixels, turn image points into page coordinates, count drawn frames).
 */
import type { Editor } from "../../labeller/core/editor";
import type { LabelSet } from "../../labeller/core/labels";
import type { Interaction } from "../../labeller/core/selection";
import type { AnnotationStore } from "../../labeller/core/store";
import type { Viewport } from "../../labeller/core/viewport";
import type { CanvasRenderer } from "../../labeller/render/canvas";
import type { Outbox } from "../../labeller/sync/outbox";
import type { ToolRegistry } from "../../labeller/tools/registry";
import { rleBounds, type Rle } from "../../labeller/shapes/rle";

export interface DebugDeps {
  store: AnnotationStore;
  viewport: Viewport;
  renderer: CanvasRenderer;
  interaction: Interaction;
  editor: Editor;
  outbox: Outbox;
  tools: ToolRegistry;
  labels: LabelSet;
  canvas: HTMLCanvasElement;
  imageId: () => number | null;
  /** True once the current image, its annotations and its file are loaded. */
  ready: () => boolean;
}

export function exposeDebug(d: DebugDeps): void {
  const hook = {
    store: d.store,
    viewport: d.viewport,
    renderer: d.renderer,
    interaction: d.interaction,
    editor: d.editor,
    outbox: d.outbox,
    tools: d.tools,
    labels: d.labels,
    get frames(): number {
      return d.renderer.frames;
    },
    get imageId(): number | null {
      return d.imageId();
    },
    get ready(): boolean {
      return d.ready();
    },
    /** Boxes in image pixels. */
    boxes: () => d.store.boxes().map((a) => ({
      id: a.id, key: a.key, clientId: a.clientId, label: a.label, source: a.source, score: a.score, version: a.version,
      x: a.box!.x, y: a.box!.y, w: a.box!.w, h: a.box!.h,
    })),
    /** Polygons (rings) and masks (RLE), as the store holds them. */
    shapes: () => d.store.all().filter((a) => a.kind === "polygon" || a.kind === "mask").map((a) => ({
      id: a.id, kind: a.kind, label: a.label, version: a.version, rings: a.rings ?? null, mask: a.mask ?? null,
    })),
    /** Pixels set in a mask. */
    maskArea: (mask: Rle) => rleBounds(mask).area,
    get shapesDrawn(): number {
      return d.renderer.shapeCount;
    },
    tags: () => d.store.tags().map((a) => ({ id: a.id, key: a.key, label: a.label, source: a.source, version: a.version })),
    /** Image pixels -> page (clientX/clientY) coordinates. */
    imageToScreen: (x: number, y: number) => {
      const r = d.canvas.getBoundingClientRect();
      const p = d.viewport.toScreen(x, y);
      return { x: r.left + p.x, y: r.top + p.y };
    },
    screenToImage: (clientX: number, clientY: number) => {
      const r = d.canvas.getBoundingClientRect();
      return d.viewport.toImage(clientX - r.left, clientY - r.top);
    },
    selected: () => d.interaction.selected,
    pending: () => d.outbox.size,
  };
  (window as unknown as { __labeller: typeof hook }).__labeller = hook;
}
