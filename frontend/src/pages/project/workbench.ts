/**
 * The Dataset tab: what the boxes look like (per label counts, size and aspect histograms, a
 * size scatter), their shape clusters and anchors, and, for managers, the clean-up tools with
 * a preview and one undo each. Everything follows the label/split filter at the top and
 * refreshes when boxes change (annotations.bulk and per-box events, debounced).
 */
import { errorMessage } from "../../api/http";
import { SPLITS, type Split } from "../../api/images";
import { workbench, type BoxFilter, type DatasetStats } from "../../api/workbench";
import { HistogramChart, ScatterChart } from "../../charts/histogram";
import { COLORS, compact } from "../../charts/theme";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatCount, formatRatio, humanize, plural } from "../../lib/format";
import type { ProjectContext } from "./context";
import { mountShapes } from "./workbench-shapes";
import { mountTools } from "./workbench-tools";

const REFRESH_MS = 1000;
const px = (v: number): string => (v >= 100 ? `${Math.round(v)}` : String(+v.toPrecision(2)));

function statCard(testId: string, title: string, value: number, hint?: HTMLElement | string): HTMLElement {
  return h("div", { class: "stat-card", "data-testid": testId },
    h("span", { class: "stat-value" }, formatCount(value)), h("span", { class: "stat-title" }, title),
    hint ? h("span", { class: "stat-hint" }, hint) : null);
}

export function mountWorkbench(root: HTMLElement, ctx: ProjectContext): void {
  let filter: BoxFilter = {};
  const label = h("select", { "aria-label": "Boxes of label", "data-testid": "workbench-label" }, option("", "Any"));
  const split = h("select", { "aria-label": "Boxes in split", "data-testid": "workbench-split" }, option("", "Any"),
    SPLITS.map((s) => option(s, humanize(s))));
  const status = h("span", { class: "muted small", "aria-live": "polite" });
  const bar = h("div", { class: "toolbar workbench-filters", role: "search" },
    h("div", { class: "filters" },
      h("label", { class: "filter" }, h("span", null, "Label"), label),
      h("label", { class: "filter" }, h("span", null, "Split"), split)),
    h("span", { class: "spacer" }), status);

  const cards = h("div", { class: "stat-cards" });
  const perLabel = h("div", { class: "label-counts", "data-testid": "label-counts" });
  const charts = {
    width: new HistogramChart({ testId: "hist-width", title: "Width", subtitle: "boxes per width (px)", format: px, color: COLORS.accent }),
    height: new HistogramChart({ testId: "hist-height", title: "Height", subtitle: "boxes per height (px)", format: px, color: COLORS.teal }),
    area: new HistogramChart({ testId: "hist-area", title: "Area", subtitle: "boxes per area (px²)", format: (v) => compact(Math.round(v)), color: COLORS.violet }),
    aspect: new HistogramChart({ testId: "hist-aspect", title: "Aspect ratio", subtitle: "width : height", format: formatRatio, color: COLORS.amber }),
  };
  const scatter = new ScatterChart("box-scatter", "Box sizes", "width against height, one dot per box (up to 3,000)");
  const tools = ctx.canManage ? mountTools(ctx, () => filter, () => refresh()) : null;
  const shapes = mountShapes(ctx, () => filter, (c) => tools?.setClusters(c));

  replaceChildren(root, bar,
    h("section", { class: "workbench-section", "aria-label": "Box statistics" },
      cards,
      h("div", { class: "workbench-grid" },
        h("div", { class: "card" }, h("h3", null, "Per label"), perLabel),
        scatter.el),
      h("div", { class: "hist-grid" }, Object.values(charts).map((c) => c.el))),
    shapes.el,
    tools?.el ?? null);

  const paint = (s: DatasetStats): void => {
    const without = h("a", { href: `?has_annotations=false${filter.split ? `&split=${filter.split}` : ""}#images`, class: "link" }, "show");
    replaceChildren(cards,
      statCard("stat-boxes", "boxes", s.boxes),
      statCard("stat-images", "images", s.images),
      statCard("stat-empty", "images without boxes", s.images_without_boxes, s.images_without_boxes ? without : undefined),
      statCard("stat-border", "boxes touching the border", s.boxes_touching_border),
      statCard("stat-outside", "boxes over the border", s.boxes_outside, s.boxes_outside ? "fix below" : undefined),
      s.polygons || s.masks ? statCard("stat-polygons", "polygons", s.polygons) : null,
      s.polygons || s.masks ? statCard("stat-masks", "masks", s.masks) : null,
      Object.keys(s.scale_classes.counts).length
        ? statCard("stat-scale", "boxes without a scale class", s.scale_classes.without,
            Object.entries(s.scale_classes.counts).map(([n, c]) => `${n} ${formatCount(c)}`).join(" · "))
        : null);
    const most = Math.max(1, ...s.labels.map((l) => l.boxes));
    replaceChildren(perLabel, s.labels.length === 0 ? h("p", { class: "muted" }, "No labels yet.") :
      h("table", { class: "counts" },
        h("thead", null, h("tr", null, h("th", null, "Label"), h("th", null, "Boxes"), h("th", null, "Images"))),
        h("tbody", null, s.labels.map((l) => h("tr", { "data-label-id": String(l.id) },
          h("td", null, h("i", { class: "swatch", style: `background:${l.color}` }), l.name),
          h("td", { class: "bar-cell" }, h("span", { class: "bar", style: `width:${(100 * l.boxes) / most}%;background:${l.color}` }),
            h("span", { class: "num" }, formatCount(l.boxes))),
          h("td", { class: "num" }, formatCount(l.images)))))));
    for (const [name, chart] of Object.entries(charts)) {
      const hist = s.histograms[name as keyof typeof charts];
      chart.setData(hist.edges, hist.counts);
    }
    const colors = new Map(s.labels.map((l) => [l.id, l]));
    const byLabel = new Map<number, { w: number[]; h: number[] }>();
    s.scatter.label.forEach((id, i) => {
      const entry = byLabel.get(id) ?? { w: [], h: [] };
      entry.w.push(s.scatter.w[i]!);
      entry.h.push(s.scatter.h[i]!);
      byLabel.set(id, entry);
    });
    scatter.setData([...byLabel].map(([id, pts]) => ({ label: colors.get(id)?.name ?? `#${id}`, color: colors.get(id)?.color ?? COLORS.accent, ...pts })));
    status.textContent = `${plural(s.boxes, "box", "boxes")} on ${plural(s.images, "image")}`;
  };

  let seq = 0;
  async function refresh(): Promise<void> {
    const mine = ++seq;
    root.dataset.loading = "true";
    root.dataset.stale = "false";
    try {
      const s = await workbench.stats(ctx.projectId, filter);
      if (mine !== seq) return;
      paint(s);
      shapes.refresh();
      tools?.refreshHistory();
    } catch (err) {
      status.textContent = `Could not load the statistics: ${errorMessage(err)}`;
    } finally {
      if (mine === seq) root.dataset.loading = "false";
    }
  }

  const renderLabels = (): void => {
    const keep = label.value;
    replaceChildren(label, option("", "Any"), ctx.labels.list.map((l) => option(String(l.id), l.name)));
    label.value = keep;
    tools?.setLabels(ctx.labels.list);
  };
  ctx.labels.subscribe(renderLabels);
  void ctx.labels.load().then(renderLabels, () => {});
  const onFilter = (): void => {
    filter = { label: label.value ? Number(label.value) : undefined, split: (split.value || undefined) as Split | undefined };
    void refresh();
  };
  label.addEventListener("change", onFilter);
  split.addEventListener("change", onFilter);

  let timer: number | null = null;
  const soon = (): void => {
    if (timer !== null) window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      timer = null;
      if (root.hidden) root.dataset.stale = "true";
      else void refresh();
    }, REFRESH_MS);
  };
  for (const event of ["annotations.bulk", "annotation.created", "annotation.updated", "annotation.deleted", "predictions.updated"]) {
    ctx.socket.on(event, soon);
  }
  new MutationObserver(() => {
    if (!root.hidden && root.dataset.stale === "true") void refresh();
  }).observe(root, { attributes: true, attributeFilter: ["hidden"] });
  void refresh();
}
