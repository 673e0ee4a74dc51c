/**
 * One model version: header with stage, status and downloads; headline metric cards; the
 * "Try it" panel; the per-class report and confusion matrix; details, stage history and the
 * training parameters. `model.updated` for this version refetches it (Try it keeps its image).
 */
import { errorMessage } from "../../api/http";
import { type ClassifyReport, type DetectReport, type ModelVersion, type ModelVersionDetail, modelVersions, type StageTransition } from "../../api/models";
import { h, option, replaceChildren } from "../../lib/dom";
import { plural, relativeTime } from "../../lib/format";
import { compareUrl, fineTuneUrl, projectTabUrl, runUrl } from "../../lib/urls";
import { toast } from "../../ui/toast";
import { runsCard } from "../widgets/autoannotate-runs";
import { isGoodMetric } from "../widgets/run-status";
import { taskPill } from "../widgets/run-ui";
import { openStageDialog } from "../widgets/stage-dialog";
import { transitionItem } from "../widgets/stage-history";
import { paramLabel } from "../widgets/training-params";
import { orderedParams } from "../widgets/training-params";
import { formatMB, formatParams, isNum, pct } from "../widgets/version-metrics";
import { promoteNote, stageActions } from "../widgets/version-stage";
import { stageBadge, versionStatus } from "../widgets/version-ui";
import { confusionMatrix } from "./confusion";
import type { ModelPageContext } from "./context";
import { classifyTable, detectTable, iouTable, type SemanticReport } from "./report-view";
import { reviewCard } from "./review-card";
import { TryIt } from "./try-it";

/** A metric card; `good` (a headline value that is clearly good) is the only green one. */
function card(label: string, value: string, note: string, headline = false, good = false): HTMLElement {
  return h("div", { class: `metric-card${headline ? " headline" : ""}${good ? " good" : ""}${value === "—" ? " is-empty" : ""}`, "data-good": String(good) },
    h("span", { class: "metric-label" }, label), h("b", { class: "metric-value" }, value), h("span", { class: "metric-note" }, note));
}

export function mountVersion(ctx: ModelPageContext, versionId: number): void {
  const { app, projectId } = ctx;
  const head = h("div", { class: "run-top" });
  const banner = h("div", { class: "version-banner", hidden: true });
  const cards = h("div", { class: "metric-cards", "data-testid": "version-metrics" });
  const report = h("section", { class: "card report-card", "data-testid": "per-class" });
  const confusion = h("section", { class: "card confusion-card", "data-testid": "confusion", hidden: true });
  const details = h("section", { class: "card side-card" });
  const history = h("section", { class: "card side-card", "data-testid": "stage-history" });
  const params = h("section", { class: "card side-card" });
  let tryIt: TryIt | null = null;
  let version: ModelVersionDetail | null = null;
  let all: ModelVersion[] = [];
  let timer = 0;
  const liveEl = document.getElementById("live");
  const autoRuns = runsCard({ projectId, canManage: ctx.canManage, socket: ctx.socket, versionId, limit: 5 });
  const review = reviewCard({ projectId, canManage: ctx.canManage, versions: () => all, runs: autoRuns, refresh: () => void refresh() });

  function header(v: ModelVersionDetail): void {
    const onnx = v.has_onnx
      ? h("a", { class: "button", href: modelVersions.downloadUrl(v.id, "onnx"), download: "", "data-testid": "download-onnx", title: "model.onnx + weights + model.json + labels.txt" }, "⤓ ONNX")
      : h("span", { class: "button disabled", "aria-disabled": "true", title: v.onnx_error || "No ONNX export (yet)" }, "⤓ ONNX");
    const compareSel = h("select", { "aria-label": "Compare with", class: "compare-select" },
      option("", "Compare with…"), all.filter((x) => x.id !== v.id).map((x) => option(String(x.id), `v${x.version} · ${x.architecture} · ${x.stage}`)));
    compareSel.addEventListener("change", () => {
      const other = all.find((x) => String(x.id) === compareSel.value);
      if (other) window.location.href = compareUrl(projectId, other.version < v.version ? other.id : v.id, other.version < v.version ? v.id : other.id);
    });
    const actions = ctx.isOwner ? stageActions(v).map((a) => h("button", {
      type: "button", class: a.danger ? "secondary danger" : a.stage === "production" ? "primary" : "secondary", "data-testid": `stage-${a.stage}`,
      onclick: () => openStageDialog({ version: v, action: a, note: promoteNote(v, a.stage, all), onDone: () => void refresh() }),
    }, a.label.replace(" to this version", ""))) : [];
    replaceChildren(head, h("header", { class: "run-head" },
      h("div", { class: "run-title" },
        h("h1", null, h("span", { class: "run-id" }, `v${v.version}`), " ", h("span", { class: "run-arch" }, v.architecture)),
        h("div", { class: "run-badges" }, stageBadge(v.stage), versionStatus(v, false), taskPill(v.task),
          h("span", { class: "muted small" }, v.run ? h("a", { href: runUrl(projectId, v.run) }, `trained by run #${v.run}`) : "imported checkpoint"),
          h("span", { class: "muted small" }, `${v.created_by ? `by ${v.created_by} · ` : ""}${relativeTime(v.created_at)}`))),
      h("div", { class: "run-actions" }, actions,
        ctx.canManage && v.status === "ready"
          ? h("a", { class: "button", href: fineTuneUrl(projectId, v.id), title: "Start a training run from these weights", "data-testid": "fine-tune" }, "Fine-tune")
          : null,
        h("a", { class: "button", href: modelVersions.downloadUrl(v.id, "state_dict"), download: "", "data-testid": "download-pt", title: "PyTorch state_dict" }, "⤓ Weights .pt"),
        onnx, compareSel)));
    if (liveEl) head.querySelector(".run-badges")?.append(liveEl);
    document.title = `v${v.version} ${v.architecture} · Labelforge`;
  }

  function metricCards(v: ModelVersionDetail): void {
    const m = v.metrics ?? {};
    const split = m.split ? `${isNum(m.count) ? plural(m.count, "image") : "?"} · ${m.split} split` : "not scored";
    const num = (name: string): number | null => (isNum(m[name]) ? (m[name] as number) : null);
    const quality = v.task === "detect"
      ? [card("mAP@.5", pct(m.map50), split, true, isGoodMetric("map50", m.map50)), card("mAP@.5:.95", pct(m.map), "COCO")]
      : v.task === "segment"
      ? [card("Mask mAP@.5", pct(m.map50), split, true, isGoodMetric("map50", m.map50)), card("Mask mAP@.5:.95", pct(m.map), "COCO segm"),
        card("Box mAP@.5:.95", pct(num("box_map")), "COCO bbox")]
      : v.task === "semantic"
      ? [card("Mean IoU", pct(num("miou")), split, true, isGoodMetric("map50", num("miou"))), card("Pixel accuracy", pct(num("pixel_accuracy")), "all pixels"),
        card("Background IoU", pct(num("background_iou")), "class 0")]
      : [card("Accuracy", pct(m.accuracy), split, true, isGoodMetric("accuracy", m.accuracy, v.classes.length)), card("Macro F1", pct(m.macro_f1), "mean over classes")];
    replaceChildren(cards, quality,
      card("Size", formatMB(v.size_bytes), v.has_onnx ? "ONNX exported" : "state_dict"),
      card("Parameters", formatParams(v.parameters), v.parameters ? v.parameters.toLocaleString("en-US") : ""),
      card("Input", `${v.image_size}px`, plural(v.classes.length, "class", "classes")));
  }

  function reportSections(v: ModelVersionDetail): void {
    const r = v.report ?? {};
    const hasRows = Array.isArray(r.per_class) && r.per_class.length > 0;
    if (!hasRows) {
      replaceChildren(report, h("h3", null, "Per class"), h("p", { class: "muted small" }, v.status === "pending"
        ? "Scoring on the held-out split…"
        : v.source === "imported" ? "Imported versions are not scored: there is no held-out split to score them on." : "No held-out images (val or test) were in the snapshot, so there is no per-class report."));
    } else {
      const sub = `${r.split ?? "held-out"} split · ${isNum(r.count) ? plural(r.count, "image") : ""}`;
      const title = { detect: "Average precision per class", segment: "Mask average precision per class", semantic: "IoU per class" }[v.task as string] ?? "Precision and recall per class";
      const table = v.task === "detect" || v.task === "segment" ? detectTable(r as DetectReport, v.task === "segment" ? "Instances" : "Boxes")
        : v.task === "semantic" ? iouTable(r as SemanticReport) : classifyTable(r as ClassifyReport);
      replaceChildren(report, h("div", { class: "side-head" }, h("h3", null, title), h("span", { class: "muted small" }, sub)), table);
    }
    const cm = (r as ClassifyReport).confusion;
    confusion.hidden = !(v.task === "classify" && Array.isArray(cm) && cm.length);
    if (!confusion.hidden) {
      const labels = ((r as ClassifyReport).per_class ?? []).map((c) => c.label);
      replaceChildren(confusion, h("div", { class: "side-head" }, h("h3", null, "Confusion matrix"),
        h("span", { class: "muted small" }, "rows: true class · columns: predicted · colour: share of the row")),
        confusionMatrix(labels.length === cm!.length ? labels : v.classes, cm!, true));
    }
  }

  function side(v: ModelVersionDetail, moves: StageTransition[]): void {
    replaceChildren(details, h("h3", null, "Details"),
      v.description ? h("p", { class: "small" }, v.description) : null,
      v.status === "failed" ? h("pre", { class: "run-error-text", "data-testid": "version-error" }, v.error) : null,
      v.onnx_error ? h("p", { class: "muted small", title: v.onnx_error }, `ONNX: ${v.onnx_error}`) : null,
      h("h4", null, plural(v.classes.length, "class", "classes")),
      h("div", { class: "chips class-chips" }, v.classes.slice(0, 60).map((c) => h("span", { class: "chip plain" }, c)),
        v.classes.length > 60 ? h("span", { class: "muted small" }, `and ${v.classes.length - 60} more`) : null));
    replaceChildren(history, h("h3", null, "Stage history"), moves.length
      ? h("ol", { class: "audit-list" }, moves.map((t) => transitionItem(t, null)))
      : h("p", { class: "muted small" }, "Never moved between stages."));
    const rows = orderedParams(v.run_params ?? {}).filter(([k]) => k !== "task" && k !== "architecture");
    params.hidden = !v.run_params;
    replaceChildren(params, h("h3", null, "Training parameters"),
      h("dl", { class: "params-list", "data-testid": "version-params" }, rows.map(([k, val]) => [
        h("dt", { title: k }, paramLabel(k)), h("dd", { class: "mono", title: String(val ?? "") }, val === null || val === "" ? "–" : String(val))])));
  }

  function render(v: ModelVersionDetail, moves: StageTransition[]): void {
    version = v;
    app.dataset.status = v.status;
    app.dataset.stage = v.stage;
    header(v);
    banner.hidden = v.status !== "pending";
    replaceChildren(banner, h("span", { class: "spinner", "aria-hidden": "true" }), " A worker is checking the weights, scoring the held-out split and exporting ONNX. This page updates when it is done.");
    metricCards(v);
    reportSections(v);
    side(v, moves);
    review.set(v);
    tryIt?.setVersion(v);
  }

  async function refresh(): Promise<void> {
    try {
      const [v, list, moves] = await Promise.all([
        modelVersions.get(versionId), modelVersions.list(projectId), modelVersions.transitions(projectId),
      ]);
      all = list.results;
      render(v, moves.results.filter((t) => t.model_version === versionId));
    } catch (err) {
      if (!version) throw err;
      toast(`Could not refresh the version: ${errorMessage(err)}`, "error");
    }
  }

  ctx.socket.on("model.updated", (p) => {
    const v = p as ModelVersion;
    if (!v || typeof v.id !== "number") return;
    // A promotion sends two events (the old production version is archived): refetch once.
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void refresh(), 120);
  });
  // Predictions made or removed by this version change its review stats: refetch (debounced).
  const later = (): void => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void refresh(), 1500);
  };
  ctx.socket.on("predictions.updated", (p) => {
    if ((p as { model_version?: unknown } | null)?.model_version === versionId) later();
  });
  ctx.socket.on("autoannotate.progress", (p) => {
    const r = p as { finished?: boolean; model_version?: { id?: number } } | null;
    if (r?.finished && r.model_version?.id === versionId) later();
  });
  let hellos = 0;
  ctx.socket.on("hello", () => {
    if (hellos++ > 0) void refresh();
  });

  refresh().then(() => {
    tryIt = new TryIt(version!);
    replaceChildren(app, head, banner, cards,
      h("div", { class: "version-body" },
        h("div", { class: "version-main" }, review.el, tryIt.el, report),
        h("aside", { class: "run-side" }, details, history, params)),
      confusion);
  }, (err) => {
    replaceChildren(app, h("div", { class: "empty" }, h("div", { class: "empty-icon" }, "◇"), h("h3", null, "This version could not be loaded"),
      h("p", { class: "muted" }, errorMessage(err)), h("a", { class: "button", href: projectTabUrl(projectId, "models") }, "Back to models")));
  });
}
