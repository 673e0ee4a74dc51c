/**
 * Shapes of the boxes: k-means clusters of width and height ("Compute" in pixels, "Fit" as
 * fractions of the image) with each cluster's ratio, size, share and nearest examples; and
 * YOLO-style anchors for a training size, three per stride, drawn over a sample image.
 */
import { errorMessage } from "../../api/http";
import { workbench, type Anchors, type BoxFilter, type ClusterExample, type ClusterMode, type Clusters } from "../../api/workbench";
import { COLORS } from "../../charts/theme";
import { h, replaceChildren } from "../../lib/dom";
import { formatRatio, percent, plural } from "../../lib/format";
import type { ProjectContext } from "./context";

const CROP = 64; // px: an example's longer side on screen
const ANCHOR_CANVAS = 256;
const LEVEL_COLORS = [COLORS.teal, COLORS.amber, COLORS.pink, COLORS.violet, COLORS.green];

/** The box's region of its image (with a little context), scaled so its longer side is CROP. */
function crop(projectId: number, e: ClusterExample): HTMLElement {
  const [x, y, w, hh] = e.box;
  const pad = 0.15 * Math.max(w, hh);
  const cx = Math.max(0, x - pad), cy = Math.max(0, y - pad);
  const cw = Math.min(e.image_width, x + w + pad) - cx, ch = Math.min(e.image_height, y + hh + pad) - cy;
  const s = CROP / Math.max(cw, ch, 1);
  return h("a", { class: "shape-example", href: `/projects/${projectId}/label/${e.image}/`,
    title: `${Math.round(w)}×${Math.round(hh)} px on image ${e.image}`,
    style: `width:${cw * s}px;height:${ch * s}px;background-image:url(/api/v1/images/${e.image}/file/);` +
      `background-size:${e.image_width * s}px ${e.image_height * s}px;background-position:${-cx * s}px ${-cy * s}px` },
    h("i", { class: "shape-box", style: `left:${(x - cx) * s}px;top:${(y - cy) * s}px;width:${w * s}px;height:${hh * s}px` }));
}

export interface ShapesView {
  el: HTMLElement;
  refresh: () => void;
}

export function mountShapes(ctx: ProjectContext, filter: () => BoxFilter,
  onClusters: (c: Clusters) => void = () => {}): ShapesView {
  let k = 3;
  let mode: ClusterMode = "compute";
  const kInput = h("input", { type: "number", min: "1", max: "20", value: "3", class: "num", "aria-label": "Number of clusters", "data-testid": "cluster-k" });
  const quick = [3, 9].map((n) => h("button", { type: "button", class: "ghost small", "data-k": String(n), onclick: () => { kInput.value = String(n); setK(); } }, `k = ${n}`));
  const modes = (["compute", "fit"] as const).map((m) => h("button", { type: "button", class: `seg${m === mode ? " on" : ""}`, "data-mode": m, "aria-pressed": String(m === mode),
    title: m === "compute" ? "Raw width and height in pixels" : "Width and height as fractions of their image (the same object at any image size is one shape)",
    onclick: () => { mode = m; for (const b of modes) { const on = b.dataset.mode === m; b.classList.toggle("on", on); b.setAttribute("aria-pressed", String(on)); } void loadClusters(); } },
    m === "compute" ? "Compute (px)" : "Fit (normalised)"));
  const clusterList = h("div", { class: "clusters", "data-testid": "clusters" });

  const anchorK = h("input", { type: "number", min: "1", max: "20", value: "9", class: "num", "aria-label": "Number of anchors" });
  const anchorSize = h("input", { type: "number", min: "32", max: "2048", step: "32", value: "512", class: "num", "aria-label": "Training image size" });
  const anchorOut = h("div", { class: "anchors", "data-testid": "anchors" });
  const canvas = h("canvas", { width: ANCHOR_CANVAS, height: ANCHOR_CANVAS, class: "anchor-canvas", "aria-label": "Anchors drawn at the training size" });
  let sample: ClusterExample | null = null;

  const setK = (): void => {
    const n = Math.round(Number(kInput.value));
    if (n >= 1 && n <= 20) { k = n; void loadClusters(); }
  };
  kInput.addEventListener("change", setK);
  for (const input of [anchorK, anchorSize]) input.addEventListener("change", () => void loadAnchors());

  const el = h("section", { class: "workbench-section card", "aria-label": "Box shapes" },
    h("div", { class: "section-head" }, h("h3", null, "Shape clusters"),
      h("span", { class: "muted small" }, "k-means over box width and height"), h("span", { class: "spacer" }),
      h("div", { class: "segmented", role: "group", "aria-label": "Cluster on" }, modes),
      h("label", { class: "inline" }, "k ", kInput), quick),
    clusterList,
    h("div", { class: "section-head" }, h("h3", null, "Anchors from the data"),
      h("span", { class: "muted small" }, "IoU k-means, sorted by area, three per stride 8/16/32"), h("span", { class: "spacer" }),
      h("label", { class: "inline" }, "anchors ", anchorK), h("label", { class: "inline" }, "training size ", anchorSize, " px")),
    h("div", { class: "anchor-row" }, canvas, anchorOut));

  const paintClusters = (c: Clusters): void => {
    if (c.boxes === 0) { replaceChildren(clusterList, h("p", { class: "muted" }, "No boxes to cluster.")); return; }
    const most = Math.max(...c.clusters.map((x) => x.count));
    sample = c.clusters.flatMap((x) => x.examples)[0] ?? null;
    replaceChildren(clusterList, c.clusters.map((x) => h("div", { class: "cluster", "data-testid": "cluster", "data-ratio": String(x.ratio) },
      h("div", { class: "cluster-head" },
        h("span", { class: "cluster-ratio" }, x.ratio ? formatRatio(x.ratio) : "–"),
        h("span", { class: "muted small" }, `${Math.round(x.width)} × ${Math.round(x.height)} px mean`)),
      h("div", { class: "share", title: `${plural(x.count, "box", "boxes")}, ${percent(x.count / c.boxes)} of them` },
        h("span", { class: "bar", style: `width:${(100 * x.count) / most}%` }),
        h("span", { class: "num" }, `${plural(x.count, "box", "boxes")} · ${percent(x.count / c.boxes)}`)),
      h("div", { class: "examples" }, x.examples.map((e) => crop(ctx.projectId, e))))));
  };

  const drawAnchors = (a: Anchors): void => {
    const g = canvas.getContext("2d");
    if (!g) return;
    const s = ANCHOR_CANVAS / a.image_size;
    const draw = (): void => {
      g.strokeStyle = "rgba(255,255,255,0.15)";
      Object.values(a.levels).forEach((level, li) => {
        g.strokeStyle = LEVEL_COLORS[li % LEVEL_COLORS.length]!;
        g.lineWidth = 1.5;
        for (const [w, hh] of level) g.strokeRect((ANCHOR_CANVAS - w * s) / 2, (ANCHOR_CANVAS - hh * s) / 2, w * s, hh * s);
      });
    };
    g.fillStyle = "#0b0d10";
    g.fillRect(0, 0, ANCHOR_CANVAS, ANCHOR_CANVAS);
    if (sample) {
      const img = new Image();
      img.onload = () => { g.globalAlpha = 0.55; g.drawImage(img, 0, 0, ANCHOR_CANVAS, ANCHOR_CANVAS); g.globalAlpha = 1; draw(); };
      img.onerror = draw;
      img.src = `/api/v1/images/${sample.image}/file/`;
    } else draw();
  };

  const paintAnchors = (a: Anchors): void => {
    if (a.boxes === 0) { replaceChildren(anchorOut, h("p", { class: "muted" }, "No boxes yet.")); drawAnchors(a); return; }
    replaceChildren(anchorOut,
      h("p", { class: "small" }, `Mean IoU of each box with its best anchor: `, h("strong", { "data-testid": "anchor-iou" }, a.mean_iou === null ? "–" : a.mean_iou.toFixed(3))),
      Object.entries(a.levels).map(([stride, level], li) => h("div", { class: "anchor-level", "data-stride": stride },
        h("i", { class: "swatch", style: `background:${LEVEL_COLORS[li % LEVEL_COLORS.length]}` }),
        h("span", { class: "muted small" }, `stride ${stride}`),
        level.map(([w, hh]) => h("code", { "data-testid": "anchor" }, `${Math.round(w)}×${Math.round(hh)}`)))),
      h("p", { class: "muted small" }, "Training a RetinaNet or Faster R-CNN with “anchors from data” uses these sizes and ratios."));
    drawAnchors(a);
  };

  let seq = 0;
  async function loadClusters(): Promise<void> {
    const mine = ++seq;
    try {
      const c = await workbench.clusters(ctx.projectId, filter(), k, mode);
      if (mine === seq) {
        paintClusters(c);
        onClusters(c);
      }
    } catch (err) {
      replaceChildren(clusterList, h("p", { class: "msg msg-error" }, `Could not cluster: ${errorMessage(err)}`));
    }
  }
  async function loadAnchors(): Promise<void> {
    const n = Math.round(Number(anchorK.value)), size = Math.round(Number(anchorSize.value));
    if (!(n >= 1 && n <= 20 && size >= 32 && size <= 2048)) return;
    try {
      paintAnchors(await workbench.anchors(ctx.projectId, filter(), n, size));
    } catch (err) {
      replaceChildren(anchorOut, h("p", { class: "msg msg-error" }, `Could not compute anchors: ${errorMessage(err)}`));
    }
  }
  return { el, refresh: () => { void loadClusters().then(() => loadAnchors()); } };
}
