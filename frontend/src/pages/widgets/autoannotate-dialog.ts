/**
 * "Pre-label…": start an auto-annotation run. Mode (classify / detect / two-stage with a
 * classifier / segment: polygons from a segment or semantic version), model version (production by default), which images (unlabelled, the image
 * list's current filters, or all, with a count where one is cheap) and a score threshold.
 * The API's answer (400 no_images / invalid_filters, 409 model_not_ready) shows inline.
 */
import { autoAnnotate, type AutoAnnotateMode, type AutoAnnotateScope, type AutoAnnotationRun } from "../../api/autoannotate";
import { errorMessage } from "../../api/http";
import { images } from "../../api/images";
import type { ModelVersion } from "../../api/models";
import { projects } from "../../api/projects";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatCount, humanize } from "../../lib/format";
import { countActive, imageListUrl, parseFilters, type ImageFilters } from "../../lib/query";
import { messageArea } from "../../ui/toast";
import { MODE_TEXT, thresholdText } from "./autoannotate-progress";
import { perClassClassifiers, versionText } from "./per-class-classifiers";

export interface PrelabelOptions {
  projectId: number;
  versions: ModelVersion[];
  /** Preselect this version (else the production one of the task). */
  versionId?: number | null;
  /** The image list's filters (default: the page URL's). */
  filters?: ImageFilters;
  onStarted: (run: AutoAnnotationRun) => void;
}

const COUNT_CAP = 500;

/** Filters as the API's `filters` object (no list order). */
function filtersBody(f: ImageFilters): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(f)) if (k !== "order" && v !== undefined) out[k] = v as string | number | boolean;
  return out;
}

function describeFilters(f: ImageFilters): string {
  const parts = Object.entries(filtersBody(f)).map(([k, v]) => `${humanize(k)}: ${String(v)}`);
  return parts.length ? parts.join(" · ") : "no filters set on the Images tab";
}

type Need = "classify" | "detect" | "segment";

/** Versions a mode can use: ready ones of the right task, production first, newest next. */
function usableVersions(all: ModelVersion[], need: Need): ModelVersion[] {
  const fits = (task: string): boolean => (need === "segment" ? task === "segment" || task === "semantic" : task === need);
  return all.filter((v) => fits(v.task) && v.status === "ready")
    .sort((a, b) => Number(b.stage === "production") - Number(a.stage === "production") || b.version - a.version);
}

export function openPrelabelDialog(o: PrelabelOptions): HTMLDialogElement {
  const msg = messageArea();
  const filters = o.filters ?? parseFilters(window.location.search);
  const chosen = o.versions.find((v) => v.id === o.versionId);
  const needOf = (m: AutoAnnotateMode): Need => (m === "classify" ? "classify" : m === "segment" ? "segment" : "detect");
  let mode: AutoAnnotateMode = chosen?.task === "detect" ? "detect"
    : chosen?.task === "segment" || chosen?.task === "semantic" ? "segment" : "classify";
  const hasDetector = usableVersions(o.versions, "detect").length > 0;
  const hasClassifier = usableVersions(o.versions, "classify").length > 0;
  const hasSegmenter = usableVersions(o.versions, "segment").length > 0;
  if (mode === "classify" && !hasClassifier) mode = hasDetector ? "detect" : hasSegmenter ? "segment" : mode;
  const modeOk = (m: AutoAnnotateMode): boolean => (m === "classify" ? hasClassifier : m === "detect" ? hasDetector
    : m === "segment" ? hasSegmenter : hasDetector && hasClassifier);
  const modeRadios = (["classify", "detect", "two_stage", "segment"] as AutoAnnotateMode[]).map((m) =>
    h("label", { class: `radio${modeOk(m) ? "" : " is-disabled"}`, title: modeOk(m) ? "" : "Needs a ready version of that kind" },
      h("input", { type: "radio", name: "mode", value: m, checked: m === mode, disabled: !modeOk(m), "data-testid": `prelabel-mode-${m}` }), MODE_TEXT[m]));
  const versionSel = h("select", { name: "model_version", "data-testid": "prelabel-version", "aria-label": "Model version" });
  const classifierSel = h("select", { name: "classifier_version", "data-testid": "prelabel-classifier", "aria-label": "Classifier version" });
  const classifierRow = h("label", { class: "field-v", hidden: true }, h("span", null, "Classifier for each box"), classifierSel);
  const perClass = perClassClassifiers(() => usableVersions(o.versions, "classify"));
  const counts: Record<AutoAnnotateScope, HTMLElement> = { unlabelled: h("span", { class: "muted small" }), filter: h("span", { class: "muted small" }), all: h("span", { class: "muted small" }) };
  const hasFilters = countActive(filters) > 0;
  const scopeRadio = (s: AutoAnnotateScope, title: string, note: string) =>
    h("label", { class: `radio scope${s === "filter" && !hasFilters ? " is-disabled" : ""}` },
      h("input", { type: "radio", name: "scope", value: s, checked: s === "unlabelled", disabled: s === "filter" && !hasFilters, "data-testid": `prelabel-scope-${s}` }),
      h("span", null, h("b", null, title), " ", counts[s], h("span", { class: "muted small block" }, note)));
  const threshold = h("input", { type: "range", name: "threshold", min: "0", max: "1", step: "0.05", value: "0.5", "data-testid": "prelabel-threshold", "aria-label": "Score threshold" });
  const tText = h("output", { class: "mono" }, thresholdText(0.5));
  threshold.addEventListener("input", () => (tText.textContent = thresholdText(Number(threshold.value))));
  const confirm = h("button", { type: "submit", class: "primary", "data-testid": "prelabel-start" }, "Start pre-labelling");
  const cancel = h("button", { type: "button", class: "ghost", onclick: () => dialog.close() }, "Cancel");

  function fillVersions(): void {
    const task = needOf(mode);
    const list = usableVersions(o.versions, task);
    const keep = versionSel.value || (chosen && list.some((v) => v.id === chosen.id) ? String(chosen.id) : "");
    replaceChildren(versionSel, list.length
      ? list.map((v) => option(String(v.id), `v${v.version} · ${v.architecture}${v.stage === "production" ? " · production" : v.stage !== "none" ? ` · ${v.stage}` : ""}`))
      : option("", `No ready ${task === "detect" ? "detection" : task === "segment" ? "segmentation" : "classification"} version`));
    if (keep && list.some((v) => String(v.id) === keep)) versionSel.value = keep;
    const classifiers = usableVersions(o.versions, "classify");
    const keepClassifier = classifierSel.value;
    replaceChildren(classifierSel, classifiers.length
      ? [...classifiers.map((v) => option(String(v.id), versionText(v))), option("none", "none: boxes keep the detector's class")]
      : option("", "No ready classification version"));
    if (keepClassifier) classifierSel.value = keepClassifier;
    classifierRow.hidden = mode !== "two_stage";
    perClass.setDetector(mode === "two_stage" && versionSel.value ? Number(versionSel.value) : null);
    confirm.disabled = !list.length || (mode === "two_stage" && !classifiers.length);
  }

  versionSel.addEventListener("change", () => perClass.setDetector(mode === "two_stage" && versionSel.value ? Number(versionSel.value) : null));
  for (const r of modeRadios) r.addEventListener("change", (e) => {
    mode = (e.target as HTMLInputElement).value as AutoAnnotateMode;
    versionSel.value = "";
    fillVersions();
  });

  const form = h("form", { class: "stage-form prelabel-form", method: "dialog", novalidate: true },
    h("header", { class: "dialog-head" }, h("h2", null, "Pre-label images"), h("span", { class: "muted small" }, "predictions wait for review")),
    h("fieldset", { class: "radio-row" }, h("legend", null, "What the model does"), modeRadios),
    h("label", { class: "field-v" }, h("span", null, "Model version"), versionSel),
    classifierRow,
    perClass.el,
    h("fieldset", { class: "scope-list" }, h("legend", null, "Which images"),
      scopeRadio("unlabelled", "Unlabelled", "Images with nothing a person made or accepted"),
      scopeRadio("filter", "Current image filter", describeFilters(filters)),
      scopeRadio("all", "All images", "Pending predictions of this version are replaced; reviewed work is kept")),
    h("label", { class: "field-v" }, h("span", null, "Keep predictions scoring ", tText), threshold),
    msg.el,
    h("div", { class: "actions" }, h("span", { class: "spacer" }), cancel, confirm));
  const dialog = h("dialog", { class: "dialog prelabel-dialog", "data-testid": "prelabel-dialog", "aria-label": "Pre-label images" }, form);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    const scope = (form.querySelector<HTMLInputElement>("input[name=scope]:checked")?.value ?? "unlabelled") as AutoAnnotateScope;
    const body: Parameters<typeof autoAnnotate.start>[1] = { mode, scope, threshold: Number(threshold.value) };
    if (versionSel.value) body.model_version = Number(versionSel.value);
    if (mode === "two_stage") {
      const perClassChosen = perClass.value();
      if (Object.keys(perClassChosen).length) body.classifiers = perClassChosen;
      if (classifierSel.value && classifierSel.value !== "none") body.classifier_version = Number(classifierSel.value);
      else if (!body.classifiers) return msg.show("Pick a classifier for each box, or one per detector class.");
    }
    if (scope === "filter") body.filters = filtersBody(filters);
    confirm.disabled = true;
    confirm.textContent = "Starting…";
    try {
      const run = await autoAnnotate.start(o.projectId, body);
      dialog.close();
      o.onStarted(run);
    } catch (err) {
      msg.show(errorMessage(err));
      confirm.disabled = false;
      confirm.textContent = "Start pre-labelling";
    }
  });

  async function loadCounts(): Promise<void> {
    try {
      const p = await projects.get(o.projectId);
      counts.all.textContent = `(${formatCount(p.image_count ?? 0)})`;
    } catch { /* no count, no harm */ }
    if (!hasFilters) return;
    try {
      const page = await images.page(imageListUrl(o.projectId, { ...filters, order: undefined }, COUNT_CAP));
      counts.filter.textContent = `(${formatCount(page.results.length)}${page.next ? "+" : ""})`;
    } catch { /* idem */ }
  }

  fillVersions();
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  modeRadios.find((r) => r.querySelector("input")?.checked)?.querySelector("input")?.focus();
  void loadCounts();
  return dialog;
}
