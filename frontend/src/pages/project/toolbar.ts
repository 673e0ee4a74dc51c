/** The filter bar above the grid: one select per filter, a clear button and the counts. */
import { SOURCES } from "../../api/annotations";
import { SPLITS, STATUSES } from "../../api/images";
import type { Label } from "../../api/labels";
import { h, option } from "../../lib/dom";
import { formatCount, humanize } from "../../lib/format";
import { countActive, parseFilters, type FilterKey, type ImageFilters } from "../../lib/query";
import type { LabelStore } from "./context";

export interface Toolbar {
  el: HTMLElement;
  focus: () => void;
  setFilters: (filters: ImageFilters) => void;
  setCount: (loaded: number, complete: boolean, loading: boolean) => void;
}

function filterSelect(key: FilterKey, title: string, options: [string, string][]): HTMLSelectElement {
  return h("select", { name: key, "data-filter": key, "aria-label": `Filter by ${title.toLowerCase()}` },
    option("", "Any"),
    options.map(([v, t]) => option(v, t)),
  );
}

export function createToolbar(
  labels: LabelStore,
  initial: ImageFilters,
  onChange: (filters: ImageFilters) => void,
): Toolbar {
  const selects: Record<FilterKey, HTMLSelectElement> = {
    status: filterSelect("status", "Status", STATUSES.map((s) => [s, humanize(s)])),
    split: filterSelect("split", "Split", SPLITS.map((s) => [s, humanize(s)])),
    label: filterSelect("label", "Label", []),
    has_annotations: filterSelect("has_annotations", "Annotated", [["true", "Yes"], ["false", "No"]]),
    source: filterSelect("source", "Source", SOURCES.map((s) => [s, s === "model" ? "Model" : "Human"])),
    review: filterSelect("review", "Review", [["pending", "Pending review"]]),
  };
  const titles: Record<FilterKey, string> = {
    status: "Status", split: "Split", label: "Label", has_annotations: "Annotated", source: "Source",
    review: "Review",
  };
  const order = h("select", { name: "order", "data-testid": "image-order", "aria-label": "Order", title: "Most uncertain first: the images the model was least sure about (after pre-labelling)" },
    option("", "Upload order"), option("uncertain", "Most uncertain first"));
  const count = h("span", { class: "count", "data-testid": "image-count", "aria-live": "polite" });
  const clear = h("button", { type: "button", class: "ghost small", hidden: true }, "Clear filters");

  const current = (): ImageFilters => {
    const q = new URLSearchParams();
    for (const [k, sel] of Object.entries(selects)) if (sel.value) q.set(k, sel.value);
    if (order.value) q.set("order", order.value);
    return parseFilters(q.toString());
  };
  const paint = (): void => {
    for (const sel of Object.values(selects)) {
      sel.parentElement?.classList.toggle("active", sel.value !== "");
    }
    clear.hidden = countActive(current()) === 0;
    order.parentElement?.classList.toggle("active", order.value !== "");
  };
  const setFilters = (f: ImageFilters): void => {
    for (const [k, sel] of Object.entries(selects) as [FilterKey, HTMLSelectElement][]) {
      const v = f[k];
      sel.value = v === undefined ? "" : String(v);
      if (k === "label" && v !== undefined && sel.value !== String(v)) {
        // The label list has not arrived yet: keep the value as a placeholder option.
        sel.append(option(String(v), `Label #${v}`));
        sel.value = String(v);
      }
    }
    order.value = f.order ?? "";
    paint();
  };

  const renderLabels = (list: Label[]): void => {
    const keep = selects.label.value;
    selects.label.replaceChildren(option("", "Any"), ...list.map((l) => option(String(l.id), l.name)));
    if (keep && !list.some((l) => String(l.id) === keep)) selects.label.append(option(keep, `Label #${keep}`));
    selects.label.value = keep;
    paint();
  };
  labels.subscribe(renderLabels);
  renderLabels(labels.list);

  for (const sel of Object.values(selects)) {
    sel.addEventListener("change", () => {
      paint();
      onChange(current());
    });
  }
  order.addEventListener("change", () => {
    paint();
    onChange(current());
  });
  clear.addEventListener("click", () => {
    // The order is not a filter: clearing keeps it.
    const keep: ImageFilters = order.value ? { order: "uncertain" } : {};
    setFilters(keep);
    onChange(keep);
  });

  const el = h("div", { class: "toolbar", role: "search", "data-testid": "filter-bar" },
    h("div", { class: "filters" },
      (Object.keys(selects) as FilterKey[]).map((k) =>
        h("label", { class: "filter" }, h("span", null, titles[k]), selects[k]),
      ),
      clear,
    ),
    h("label", { class: "filter order-filter" }, h("span", null, "Order"), order),
    h("span", { class: "spacer" }),
    count,
    h("span", { class: "hint muted small", title: "Keyboard shortcuts" }, h("kbd", null, "/"), " filter"),
  );
  setFilters(initial);

  return {
    el,
    focus: () => selects.status.focus(),
    setFilters,
    setCount(loaded, complete, loading) {
      const n = formatCount(loaded);
      count.textContent = loading && loaded === 0
        ? "–"
        : complete
          ? `${n} ${loaded === 1 ? "image" : "images"}`
          : `${n} loaded · more below`;
    },
  };
}
