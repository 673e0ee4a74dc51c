/**
 * The clean-up and aspect tools (managers): each previews what it would change (a count and
 * the first images with the boxes drawn: red goes, green is the new box), applies as one
 * operation, and lists in History with its Undo.
 */
import { errorMessage } from "../../api/http";
import type { Label } from "../../api/labels";
import { workbench, type BoxFilter, type Clusters, type Operation, type ToolExample, type ToolPath, type ToolResult } from "../../api/workbench";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatRatio, plural, relativeTime } from "../../lib/format";
import { toast } from "../../ui/toast";
import type { ProjectContext } from "./context";

const THUMB = 120; // px: a preview image's longer side

interface ToolSpec {
  path: ToolPath;
  title: string;
  help: string;
  fields: () => HTMLElement[];
  body: () => Record<string, unknown> | string;  // a string: what is wrong with the inputs
  verb: (n: number) => string;
  /** What it changes, singular and plural (boxes when not given). */
  noun?: [string, string];
}

function preview(e: ToolExample, href: string | null): HTMLElement {
  const s = THUMB / Math.max(e.width, e.height);
  const rect = (b: { x: number; y: number; w: number; h: number }, cls: string): HTMLElement =>
    h("i", { class: cls, style: `left:${b.x * s}px;top:${b.y * s}px;width:${b.w * s}px;height:${b.h * s}px` });
  const figure = h("figure", { class: "tool-example", "data-testid": "tool-example", "data-image-id": String(e.image), style: `width:${e.width * s}px;height:${e.height * s}px` },
    h("img", { src: e.file, alt: `image ${e.image}`, width: Math.round(e.width * s), height: Math.round(e.height * s), loading: "lazy" }),
    e.boxes.map((b) => b.after ? [rect(b.box, "ex-before"), rect(b.after, "ex-after")] : rect(b.box, "ex-removed")));
  return href ? h("a", { href, class: "tool-example-link", title: "Open in the labeller with this preview" }, figure) : figure;
}

/** What an operation changed: shapes for the shape clean-up, else boxes. */
function things(op: Operation, n: number): string {
  return op.kind === "remove_small_shapes" ? plural(n, "shape") : plural(n, "box", "boxes");
}

function describe(op: Operation): string {
  const p = op.params;
  const what = {
    remove_small_boxes: `Removed boxes under ${p.min_width}×${p.min_height} px`,
    remove_duplicates: `Removed duplicates (IoU > ${p.iou})`,
    fix_outside: p.mode === "clip" ? "Clipped boxes to the image" : "Removed boxes over the border",
    normalize_aspect: `Grew boxes to ${formatRatio(Number(p.ratio))}`,
    scale_classes: `Scale classes ${Array.isArray(p.names) ? p.names.join(", ") : ""}`,
    remove_small_shapes: `Removed polygons and mask specks under ${p.min_area} px²`,
  }[op.kind];
  return `${what} · ${things(op, op.changed)} changed`;
}

export interface ToolsView {
  el: HTMLElement;
  setLabels: (labels: Label[]) => void;
  /** The Shape clusters view's latest clusters: the aspect tool can take one of them. */
  setClusters: (clusters: Clusters) => void;
  refreshHistory: () => void;
}

export function mountTools(ctx: ProjectContext, filter: () => BoxFilter, changed: () => void): ToolsView {
  const num = (name: string, value: string, label: string, attrs: Record<string, string> = {}): HTMLInputElement =>
    h("input", { type: "number", name, value, min: "0", step: "any", class: "num", "aria-label": label, ...attrs });
  const minW = num("min_width", "10", "Minimum width (px)");
  const minH = num("min_height", "10", "Minimum height (px)");
  const iou = num("iou", "0.95", "Overlap (IoU) above which boxes are duplicates", { min: "0.5", max: "0.999", step: "0.01" });
  const mode = h("select", { name: "mode", "aria-label": "What to do with boxes over the border" }, option("clip", "Clip to the image"), option("remove", "Remove them"));
  const aspectLabel = h("select", { name: "label", "aria-label": "Boxes of label" });
  const aspectCluster = h("select", { name: "cluster", "aria-label": "Boxes of shape cluster" }, option("", "any shape"));
  let clusters: Clusters | null = null;
  const ratioW = num("ratio_w", "1", "Target width part", { min: "0.05", step: "0.1" });
  const ratioH = num("ratio_h", "4", "Target height part", { min: "0.05", step: "0.1" });
  const scaleK = num("k", "3", "Number of scale classes", { min: "1", max: "20", step: "1" });
  const scaleMode = h("select", { name: "mode", "aria-label": "Cluster on" }, option("compute", "pixels"), option("fit", "fraction of the image"));
  const minArea = num("min_area", "10", "Minimum area (px²)", { step: "1" });
  const scaleNames = h("input", { type: "text", name: "names", placeholder: "e.g. tall, square, wide", "aria-label": "Names, smallest ratio first, comma-separated", class: "names" });

  const specs: ToolSpec[] = [
    { path: "remove-small-boxes", title: "Remove small boxes", help: "Mis-clicks: boxes narrower or lower than this (zero-area ones always).",
      fields: () => [h("label", { class: "inline" }, "narrower than ", minW, " px"), h("label", { class: "inline" }, "or lower than ", minH, " px")],
      body: () => (Number(minW.value) >= 0 && Number(minH.value) >= 0 ? { min_width: Number(minW.value), min_height: Number(minH.value) } : "Sizes must be 0 or more."),
      verb: (n) => `remove ${plural(n, "box", "boxes")}` },
    { path: "remove-small-shapes", title: "Remove small shapes", help: "Polygons smaller than this (outline less holes) go; specks in masks (regions of fewer pixels) are wiped, and a mask left empty goes.",
      fields: () => [h("label", { class: "inline" }, "smaller than ", minArea, " px²")],
      body: () => (Number(minArea.value) >= 0 ? { min_area: Number(minArea.value) } : "The area must be 0 or more."),
      verb: (n) => `clean ${plural(n, "shape")}`, noun: ["shape", "shapes"] },
    { path: "remove-duplicates", title: "Remove duplicates", help: "Boxes of the same label on one image that overlap an earlier one; the earlier box stays.",
      fields: () => [h("label", { class: "inline" }, "overlap above IoU ", iou)],
      body: () => (Number(iou.value) >= 0.5 && Number(iou.value) < 1 ? { iou: Number(iou.value) } : "IoU must be between 0.5 and 0.999."),
      verb: (n) => `remove ${plural(n, "duplicate")}` },
    { path: "fix-outside", title: "Boxes over the border", help: "Boxes that reach outside their image. Nothing left inside: removed.",
      fields: () => [mode], body: () => ({ mode: mode.value }),
      verb: (n) => `fix ${plural(n, "box", "boxes")}` },
    { path: "normalize-aspect", title: "Aspect ratio", help: "Grow every box of a label, of a shape cluster (as Shape clusters above shows them) or both towards a width : height, centred and clipped, never shrinking: a box already past the target stays.",
      fields: () => [h("label", { class: "inline" }, "label ", aspectLabel), h("label", { class: "inline" }, "cluster ", aspectCluster),
        h("label", { class: "inline" }, "to ", ratioW, " : ", ratioH)],
      body: () => {
        const r = Number(ratioW.value) / Number(ratioH.value);
        const index = aspectCluster.value === "" ? null : Number(aspectCluster.value);
        if (!aspectLabel.value && index === null) return "Choose a label or a shape cluster.";
        if (!(r >= 0.05 && r <= 20)) return "The ratio must be between 1:20 and 20:1.";
        return {
          ...(aspectLabel.value ? { label: Number(aspectLabel.value) } : {}),
          ...(index !== null && clusters ? { cluster: { k: clusters.k, mode: clusters.mode, index } } : {}),
          ratio: r,
        };
      },
      verb: (n) => `grow ${plural(n, "box", "boxes")}` },
    { path: "scale-classes", title: "Scale classes", help: "Name each box by its shape cluster (its scale_class attribute, exported with it) for a detector of shape classes followed by a classifier per class. Leave names empty to keep the last ones; run it again when the boxes change.",
      fields: () => [h("label", { class: "inline" }, "classes ", scaleK), h("label", { class: "inline" }, "on ", scaleMode), h("label", { class: "inline wide" }, "names ", scaleNames)],
      body: () => {
        const k = Math.round(Number(scaleK.value));
        const names = scaleNames.value.split(",").map((n) => n.trim()).filter(Boolean);
        if (!(k >= 1 && k <= 20)) return "Between 1 and 20 classes.";
        return { k, mode: scaleMode.value, names };
      },
      verb: (n) => `name ${plural(n, "box", "boxes")}` },
  ];

  const history = h("ol", { class: "operations", "data-testid": "operations" });
  const cards = specs.map((spec) => toolCard(spec));
  const el = h("section", { class: "workbench-section", "aria-label": "Clean-up tools" },
    h("div", { class: "tool-grid" }, cards),
    h("div", { class: "card" }, h("h3", null, "History"), h("p", { class: "muted small" }, "Each apply is one step; Undo puts back every box it changed (a box edited since stays as it is)."), history));

  function toolCard(spec: ToolSpec): HTMLElement {
    const out = h("div", { class: "tool-result", "aria-live": "polite" });
    const previewBtn = h("button", { type: "button", class: "secondary", "data-testid": `preview-${spec.path}` }, "Preview");
    const applyBtn = h("button", { type: "button", class: "primary", disabled: true, "data-testid": `apply-${spec.path}` }, "Apply");
    let previewed: string | null = null;  // the body the preview ran with
    const bodyOf = (): Record<string, unknown> | string => {
      const b = spec.body();
      return typeof b === "string" ? b : { ...filter(), ...b };
    };
    const run = async (dry: boolean): Promise<ToolResult | null> => {
      const body = bodyOf();
      if (typeof body === "string") { replaceChildren(out, h("p", { class: "msg msg-error" }, body)); return null; }
      previewBtn.disabled = applyBtn.disabled = true;
      try {
        const result = await workbench.run(ctx.projectId, spec.path, { ...body, dry_run: dry });
        previewed = dry ? JSON.stringify(body) : null;
        return result;
      } catch (err) {
        replaceChildren(out, h("p", { class: "msg msg-error" }, errorMessage(err)));
        return null;
      } finally {
        previewBtn.disabled = false;
      }
    };
    previewBtn.addEventListener("click", async () => {
      const body = bodyOf();
      const r = await run(true);
      if (!r) return;
      const names = Array.isArray(r.params?.names) ? (r.params.names as string[]) : null;
      replaceChildren(out,
        h("p", { "data-testid": `matched-${spec.path}` }, r.matched ? `Would ${spec.verb(r.matched)}` : "Nothing to change.",
          r.removed_pixels ? ` (${plural(r.removed_pixels, "mask pixel")} wiped)` : ""),
        names ? h("p", { class: "small" }, "Classes, smallest ratio first: ", names.map((n, i) => [i ? ", " : "", h("code", null, n)])) : null,
        r.examples.length ? h("div", { class: "tool-examples" }, r.examples.map((e) => preview(e, spec.path === "normalize-aspect" && typeof body === "object"
          && body.label !== undefined && body.cluster === undefined
          ? `/projects/${ctx.projectId}/label/${e.image}/?preview=normalize-aspect&label=${body.label}&ratio=${body.ratio}` : null))) : null,
        r.matched > r.examples.reduce((n, e) => n + e.boxes.length, 0) ? h("p", { class: "muted small" }, `Showing the first ${plural(r.examples.length, "image")}.`) : null);
      applyBtn.disabled = r.matched === 0;
      applyBtn.textContent = r.matched ? `Apply: ${spec.verb(r.matched)}` : "Apply";
    });
    applyBtn.addEventListener("click", async () => {
      if (previewed !== JSON.stringify(bodyOf())) { applyBtn.disabled = true; replaceChildren(out, h("p", { class: "muted" }, "The settings changed: preview again.")); return; }
      const r = await run(false);
      if (!r?.operation) return;
      const op = r.operation;
      const [one, many] = spec.noun ?? ["box", "boxes"];
      replaceChildren(out, h("p", { class: "msg msg-ok" }, `Done: ${plural(r.changed, one, many)} changed.`));
      applyBtn.textContent = "Apply";
      toast(`${describe(op)}. Undo it from History below.`, "ok");
      changed();
    });
    return h("div", { class: "card tool", "data-tool": spec.path },
      h("h3", null, spec.title), h("p", { class: "muted small" }, spec.help),
      h("div", { class: "tool-fields" }, spec.fields()),
      h("div", { class: "tool-actions" }, previewBtn, applyBtn), out);
  }

  async function undo(op: Operation): Promise<void> {
    try {
      const done = await workbench.undo(op);
      const c = done.undo_counts;
      toast(`Undone: ${things(op, c.reverted ?? 0)} put back${c.conflicts ? `, ${things(op, c.conflicts)} edited since left as they are` : ""}.`, "ok");
      changed();
    } catch (err) {
      toast(`Could not undo: ${errorMessage(err)}`, "error");
    }
  }

  async function refreshHistory(): Promise<void> {
    try {
      const page = await workbench.operations(ctx.projectId);
      replaceChildren(history, page.results.length === 0 ? h("li", { class: "muted" }, "Nothing applied yet.") :
        page.results.map((op) => h("li", { "data-testid": "operation", "data-operation-id": String(op.id), class: op.undone_at ? "undone" : "" },
          h("span", null, describe(op)),
          h("span", { class: "muted small" }, ` · ${op.created_by ?? "?"} · ${relativeTime(op.created_at)}`),
          op.undone_at
            ? h("span", { class: "muted small" }, ` · undone by ${op.undone_by ?? "?"} (${things(op, op.undo_counts.reverted ?? 0)} back${op.undo_counts.conflicts ? `, ${op.undo_counts.conflicts} edited since` : ""})`)
            : h("button", { type: "button", class: "ghost small", "data-testid": "undo-operation", onclick: () => void undo(op) }, "Undo"))));
    } catch {
      /* the list is a convenience: the next refresh tries again */
    }
  }

  return {
    el,
    setLabels(labels) {
      const keep = aspectLabel.value;
      replaceChildren(aspectLabel, option("", "any label"), labels.map((l) => option(String(l.id), l.name)));
      aspectLabel.value = keep;
    },
    setClusters(c) {
      clusters = c;
      const keep = aspectCluster.value;
      replaceChildren(aspectCluster, option("", "any shape"), c.clusters.map((x) =>
        option(String(x.index), `${x.ratio ? formatRatio(x.ratio) : "–"} · ${plural(x.count, "box", "boxes")}`)));
      aspectCluster.value = keep && Number(keep) < c.clusters.length ? keep : "";
    },
    refreshHistory: () => void refreshHistory(),
  };
}
