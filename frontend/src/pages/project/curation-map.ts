/**
 * Curation: the embedding map. Every embedded image as a point of the space's 2-D map (UMAP
 * or PCA, placed by the embeddings job), coloured by label, split or a score; zoom in and the
 * points become thumbnails. Lasso some (Shift+drag, or L) and the selection lists them, filters
 * the image grid to them (`?ids=`), opens them in the labeller (‹ › walk them), or (managers) sets them aside, marks them gold or moves them to a
 * split, each with an undo. A click on a point opens it in the labeller.
 *
 * `window.__embeddingMap` (the widget) is there for the browser tests and the frame-rate bench.
 */
import { type Change, curation, type EmbeddingMap } from "../../api/curation";
import { errorMessage } from "../../api/http";
import type { Split } from "../../api/images";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatCount, humanize, plural } from "../../lib/format";
import { MAX_IDS } from "../../lib/query";
import { labellerUrl, projectUrl } from "../../lib/urls";
import { toast } from "../../ui/toast";
import { ScatterMap } from "../widgets/scatter-map";
import type { ProjectContext } from "./context";
import { changeLine } from "./curation-change";
import { type ColourBy, colouring } from "./map-colours";

const SHOWN = 48; // thumbnails of the selection listed

export function mountMap(ctx: ProjectContext): { el: HTMLElement; setSpace: (version: number | null) => void; refresh: () => void } {
  let data: EmbeddingMap | null = null;
  let version: number | null = null;
  let loading = 0;
  const byId = new Map<number, number>(); // image id -> row
  const colourBy = h("select", { "aria-label": "Colour by", "data-testid": "map-colour-by" },
    option("label", "Label"), option("split", "Split"), option("mistakenness", "Likely label error"), option("uniqueness", "Uniqueness"));
  const legend = h("ul", { class: "map-legend", "data-testid": "map-legend" });
  const info = h("p", { class: "muted small", "data-testid": "map-info" });
  const selection = h("div", { class: "map-selection", "data-testid": "map-selection", hidden: true });
  const line = changeLine(ctx, () => refresh());

  const describe = (id: number): string => {
    const k = byId.get(id);
    if (k === undefined || !data) return `#${id}`;
    const label = data.labels.find((l) => l.id === data!.label[k])?.name ?? "no label";
    const m = data.mistakenness[k];
    return `#${id} · ${label} · ${humanize(data.split[k] ?? "unassigned")}${m !== null && m !== undefined ? ` · label error ${Math.round(m * 100)}%` : ""}`;
  };
  const scatter = new ScatterMap({
    onSelect: (ids) => paintSelection(ids),
    onOpen: (id) => { window.location.href = labellerUrl(ctx.projectId, id); },
    thumbnailUrl: (id) => `/api/v1/images/${id}/thumbnail/`,
    label: describe,
  });
  (window as unknown as { __embeddingMap?: ScatterMap }).__embeddingMap = scatter;

  function paintColours(): void {
    if (!data) return;
    const c = colouring(data, colourBy.value as ColourBy);
    scatter.setColours(c.indices, c.palette);
    replaceChildren(legend, c.legend.map((l) => h("li", null, h("i", { style: `background:${l.colour}` }), `${l.text} `, h("span", { class: "muted" }, formatCount(l.count)))));
  }
  colourBy.addEventListener("change", paintColours);

  async function act(what: string, run: () => Promise<Change>): Promise<void> {
    try {
      line.show(what, await run());
      ctx.refreshImages();
    } catch (err) {
      toast(errorMessage(err), "error");
    }
  }

  function paintSelection(ids: number[]): void {
    selection.hidden = ids.length === 0;
    const first = ids[0];
    if (first === undefined) return replaceChildren(selection);
    const split = h("select", { "aria-label": "Move the selection to split", "data-testid": "map-split" },
      (["train", "val", "test"] as Split[]).map((s) => option(s, humanize(s))));
    const button = (text: string, testid: string, fn: () => void, cls = "secondary small"): HTMLButtonElement =>
      h("button", { type: "button", class: cls, "data-testid": testid, onclick: fn }, text);
    const manage = ctx.canManage ? [
      button("Set aside", "map-exclude", () => void act("Set aside", () => curation.apply(ctx.projectId, "exclude", ids))),
      button("Mark gold", "map-gold", () => void act("Marked gold", () => curation.apply(ctx.projectId, "gold", ids))),
      h("span", { class: "map-move" }, split, button("Move", "map-move", () => void act(`Moved to ${humanize(split.value)}`, () => curation.apply(ctx.projectId, "split", ids, split.value as Split)))),
    ] : [];
    replaceChildren(selection,
      h("div", { class: "map-selection-head" },
        h("b", { "data-testid": "map-selection-count" }, plural(ids.length, "image")), " selected",
        h("span", { class: "spacer" }),
        ids.length <= MAX_IDS
          ? h("a", { class: "button secondary small", href: `${projectUrl(ctx.projectId)}?ids=${ids.join(",")}#images`, "data-testid": "map-show-grid", title: "The image list, filtered to these images" }, "Show in the grid")
          : h("span", { class: "muted small", title: `The grid takes at most ${formatCount(MAX_IDS)} chosen images` }, "Too many for the grid"),
        h("a", { class: "button primary small", href: labellerUrl(ctx.projectId, first, `?ids=${ids.slice(0, MAX_IDS).join(",")}`), "data-testid": "map-open-first", title: "‹ › walk the chosen images" }, "Open in the labeller ›"),
        ...manage,
        button("Clear", "map-clear", () => { scatter.clearSelection(); paintSelection([]); }, "ghost small")),
      h("ul", { class: "map-thumbs" }, ids.slice(0, SHOWN).map((id) =>
        h("li", null, h("a", { href: labellerUrl(ctx.projectId, id), title: describe(id), "data-testid": "map-selected-tile", "data-image-id": String(id) },
          h("img", { src: `/api/v1/images/${id}/thumbnail/`, alt: describe(id), loading: "lazy", decoding: "async" }))))),
      ids.length > SHOWN ? h("p", { class: "muted small" }, `and ${formatCount(ids.length - SHOWN)} more`) : null,
      line.el);
  }

  async function refresh(): Promise<void> {
    const ticket = ++loading;
    info.textContent = "Loading the map…";
    try {
      const map = await curation.map(ctx.projectId, version);
      if (ticket !== loading) return;
      data = map;
      byId.clear();
      map.ids.forEach((id, k) => byId.set(id, k));
      scatter.setData({ ids: Int32Array.from(map.ids), x: Float32Array.from(map.x), y: Float32Array.from(map.y) });
      paintColours();
      const keep = scatter.selected().filter((id) => byId.has(id));
      scatter.setSelection(keep);
      paintSelection(keep);
      info.textContent = map.count
        ? `${formatCount(map.count)} of ${formatCount(map.total)} images · ${map.method.toUpperCase()} of the ${map.space === "dhash" ? "perceptual hash" : "model's features"} · scroll to zoom, drag to pan, Shift+drag (or L) to lasso, click a point to open it`
        : "No map in this space yet: compute embeddings above.";
    } catch (err) {
      if (ticket === loading) info.textContent = `Could not load the map: ${errorMessage(err)}`;
    }
  }

  const el = h("section", { class: "card curation-map", "aria-label": "Embedding map" },
    h("div", { class: "side-head" }, h("h3", null, "Embedding map"), h("span", { class: "spacer" }),
      h("label", { class: "filter" }, h("span", null, "Colour by"), colourBy)),
    info, scatter.el, legend, selection);
  return {
    el,
    setSpace: (v) => { version = v; void refresh(); },
    refresh: () => void refresh(),
  };
}
