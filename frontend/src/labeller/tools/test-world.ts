/** A tool host over the real store, editor and viewport (scale 1, image 1000 x 1000), for tests. */
import type { Box } from "../../api/annotations";
import { Editor } from "../core/editor";
import { History } from "../core/history";
import { Interaction } from "../core/selection";
import { AnnotationStore } from "../core/store";
import { Viewport } from "../core/viewport";
import { hitTestAnnotations } from "./hit";
import type { PointerInfo, ToolHost } from "./registry";

export function world(label: number | null = 7) {
  const store = new AnnotationStore();
  const interaction = new Interaction();
  const editor = new Editor(store, new History(), interaction, () => `c${Math.random()}`);
  const viewport = new Viewport();
  viewport.setSize(1048, 1048);
  viewport.setImage(1000, 1000); // scale 1, tx = ty = 24
  const hints: string[] = [];
  const regions: (Box | null)[] = [];
  let cursor = "";
  const host: ToolHost = {
    view: viewport,
    imageSize: () => ({ width: 1000, height: 1000 }),
    hitTest: (sx, sy) => hitTestAnnotations(store.all(), interaction.selected, viewport, sx, sy),
    boxOf: (k) => store.get(k)?.box ?? null,
    labelOf: (k) => store.get(k)?.label ?? null,
    kindOf: (k) => store.get(k)?.kind ?? null,
    ringsOf: (k) => store.get(k)?.rings ?? null,
    maskOf: (k) => store.get(k)?.mask ?? null,
    selected: () => interaction.selected,
    select: (k) => interaction.select(k),
    hover: (k) => interaction.hover(k),
    currentLabel: () => label,
    createBox: (l, b) => editor.createBox(l, b).key,
    createPolygon: (l, rings) => editor.createPolygon(l, rings).key,
    updateBox: (k, b) => void editor.updateBox(k, b),
    updateRings: (k, rings) => void editor.updateRings(k, rings),
    createMask: (l, m) => editor.createMask(l, m).key,
    updateMask: (k, m) => void editor.updateMask(k, m),
    remove: (k) => void editor.remove(k),
    setDraft: (d) => interaction.setDraft(d),
    setCursor: (c) => (cursor = c),
    panBy: (dx, dy) => viewport.panBy(dx, dy),
    hint: (m) => hints.push(m),
    chooseRegion: (b) => regions.push(b),
  };
  /** Screen point of an image point. */
  const at = (x: number, y: number, button = 0): PointerInfo => {
    const p = viewport.toScreen(x, y);
    return { x: p.x, y: p.y, button, shift: false, alt: false };
  };
  return { store, interaction, editor, viewport, host, at, hints, regions, cursor: () => cursor };
}
