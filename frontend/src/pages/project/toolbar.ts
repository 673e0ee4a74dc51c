/** The filter bar above the grid: one select per filter, a clear button and the counts. */
import { SOURCES } from "../../api/annotations";
import { SPLITS, STATUSES, type Video } from "../../api/images";
import type { Label } from "../../api/labels";
import { h, option } from "../../lib/dom";
import { formatCount, formatTimestamp, humanize } from "../../lib/format";
import { countActive, parseFilters, type FilterKey, type ImageFilters, type ImageOrder } from "../../lib/query";
import type { LabelStore } from "./context";

export interface Toolbar {
  el: HTMLElement;
  focus: () => void;
  setFilters: (filters: ImageFilters) => void;
  setCount: (loaded: number, complete: boolean, loading: boolean) => void;
  /** The videos the project's frames came from: the Video filter shows once there are any. */
  setVideos: (videos: Video[]) => void;
}

type SelectKey = Exclude<FilterKey, "frame_from" | "frame_to" | "ids" | "batch">;

function filterSelect(key: SelectKey, title: string, options: [string, string][]): HTMLSelectElement {
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
  const selects: Record<SelectKey, HTMLSelectElement> = {
    status: filterSelect("status", "Status", STATUSES.map((s) => [s, humanize(s)])),
    stage: filterSelect("stage", "Stage", [["annotation", "Being labelled"], ["review", "Waiting for review"], ["done", "Accepted"]]),
    open_issues: filterSelect("open_issues", "Issues", [["true", "Open issues"], ["false", "No open issues"]]),
    split: filterSelect("split", "Split", SPLITS.map((s) => [s, humanize(s)])),
    label: filterSelect("label", "Label", []),
    has_annotations: filterSelect("has_annotations", "Annotated", [["true", "Yes"], ["false", "No"]]),
    source: filterSelect("source", "Source", SOURCES.map((s) => [s, s === "model" ? "Model" : "Human"])),
    review: filterSelect("review", "Review", [["pending", "Pending review"]]),
    video: filterSelect("video", "Video", []),
    excluded: filterSelect("excluded", "Set aside", [["true", "Set aside"], ["false", "In training"]]),
  };
  const titles: Record<SelectKey, string> = {
    status: "Status", stage: "Stage", open_issues: "Issues", split: "Split", label: "Label", has_annotations: "Annotated", source: "Source",
    review: "Review", video: "Video", excluded: "Curation",
  };
  // A video's frames between two times (seconds): shown once a video is chosen.
  const seconds = (key: "frame_from" | "frame_to", label: string): HTMLInputElement =>
    h("input", { type: "number", name: key, "data-filter": key, min: "0", step: "0.1", inputmode: "decimal",
      class: "seconds", "aria-label": `${label} (seconds into the video)`, placeholder: label });
  const range = { frame_from: seconds("frame_from", "from s"), frame_to: seconds("frame_to", "to s") };
  const rangeBox = h("label", { class: "filter frame-range", hidden: true, title: "Frames between these times, in seconds" },
    h("span", null, "Time"), range.frame_from, h("span", { class: "dash", "aria-hidden": "true" }, "–"), range.frame_to);
  let videos: Video[] = [];
  const order = h("select", { name: "order", "data-testid": "image-order", "aria-label": "Order",
    title: "Most uncertain first: the images the model was least sure about (after pre-labelling). Most unique first: the images least like the rest (after computing embeddings on the Curation tab). Likely label errors first: where a model confidently disagrees with the label (after computing embeddings with a model version)" },
  option("", "Upload order"), option("uncertain", "Most uncertain first"), option("uniqueness", "Most unique first"), option("mistakenness", "Likely label errors first"));
  const count = h("span", { class: "count", "data-testid": "image-count", "aria-live": "polite" });
  // A selection made elsewhere (a lasso on the embedding map): shown as a chip to take off.
  let ids: number[] | undefined = initial.ids;
  const idsText = h("span", { "data-testid": "ids-filter-count" });
  const idsChip = h("span", { class: "filter active ids-chip", hidden: true, title: "Only the images chosen on the Curation tab's map" },
    h("span", null, "Chosen"), idsText,
    h("button", { type: "button", class: "ghost small", "aria-label": "Show every image again", "data-testid": "ids-filter-clear",
      onclick: () => { ids = undefined; paint(); onChange(current()); } }, "×"));
  // One batch's images (from "My work" or the Assign panel's Open): a chip to take off.
  let batch: number | undefined = initial.batch;
  const batchText = h("span", { "data-testid": "batch-filter" });
  const batchChip = h("span", { class: "filter active ids-chip", hidden: true, title: "Only the images of one batch (an assignment)" },
    h("span", null, "Batch"), batchText,
    h("button", { type: "button", class: "ghost small", "aria-label": "Show every image again", "data-testid": "batch-filter-clear",
      onclick: () => { batch = undefined; paint(); onChange(current()); } }, "×"));
  const clear = h("button", { type: "button", class: "ghost small", hidden: true }, "Clear filters");

  const current = (): ImageFilters => {
    const q = new URLSearchParams();
    for (const [k, sel] of Object.entries(selects)) if (sel.value) q.set(k, sel.value);
    if (selects.video.value) for (const [k, input] of Object.entries(range)) if (input.value) q.set(k, input.value);
    if (order.value) q.set("order", order.value);
    if (ids?.length) q.set("ids", ids.join(","));
    if (batch !== undefined) q.set("batch", String(batch));
    return parseFilters(q.toString());
  };
  const paint = (): void => {
    for (const sel of Object.values(selects)) {
      sel.parentElement?.classList.toggle("active", sel.value !== "");
    }
    const chosen = videos.find((v) => v.video === selects.video.value);
    const videoBox = selects.video.parentElement;
    if (videoBox) videoBox.hidden = videos.length === 0 && !selects.video.value;
    rangeBox.hidden = !selects.video.value;
    rangeBox.classList.toggle("active", Boolean(range.frame_from.value || range.frame_to.value));
    range.frame_from.placeholder = chosen ? formatTimestamp(chosen.start) : "from s";
    range.frame_to.placeholder = chosen ? formatTimestamp(chosen.end) : "to s";
    idsChip.hidden = !ids?.length;
    idsText.textContent = ids?.length ? `${ids.length} on the map` : "";
    batchChip.hidden = batch === undefined;
    batchText.textContent = batch === undefined ? "" : `#${batch}`;
    clear.hidden = countActive(current()) === 0;
    order.parentElement?.classList.toggle("active", order.value !== "");
  };
  const setFilters = (f: ImageFilters): void => {
    for (const [k, sel] of Object.entries(selects) as [SelectKey, HTMLSelectElement][]) {
      const v = f[k];
      sel.value = v === undefined ? "" : String(v);
      if ((k === "label" || k === "video") && v !== undefined && sel.value !== String(v)) {
        // The list has not arrived yet (or no longer has it): keep the value as an option.
        sel.append(option(String(v), k === "label" ? `Label #${v}` : String(v)));
        sel.value = String(v);
      }
    }
    for (const [k, input] of Object.entries(range) as ["frame_from" | "frame_to", HTMLInputElement][]) {
      input.value = f[k] === undefined ? "" : String(f[k]);
    }
    order.value = f.order ?? "";
    ids = f.ids;
    batch = f.batch;
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
  for (const input of Object.values(range)) {
    input.addEventListener("change", () => {
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
    const keep: ImageFilters = order.value ? { order: order.value as ImageOrder } : {};
    setFilters(keep);
    onChange(keep);
  });

  const el = h("div", { class: "toolbar", role: "search", "data-testid": "filter-bar" },
    h("div", { class: "filters" },
      (Object.keys(selects) as SelectKey[]).map((k) =>
        h("label", { class: "filter" }, h("span", null, titles[k]), selects[k]),
      ),
      rangeBox,
      idsChip,
      batchChip,
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
    setVideos(list) {
      videos = list;
      const keep = selects.video.value;
      selects.video.replaceChildren(option("", "Any"),
        ...list.map((v) => option(v.video, `${v.video} · ${formatCount(v.frames)} ${v.frames === 1 ? "frame" : "frames"}`)));
      if (keep && !list.some((v) => v.video === keep)) selects.video.append(option(keep, keep));
      selects.video.value = keep;
      paint();
    },
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
