/** Upload tab: drop zone, options, batched XHR uploads with real progress, per-batch results. */
import { errorMessage } from "../../api/http";
import { images, type UploadResult, type ZipLayout } from "../../api/images";
import type { Label } from "../../api/labels";
import {
  batchOutcome,
  emptyResult,
  isAcceptable,
  mergeResults,
  planBatches,
  ProgressTracker,
  type Batch,
  type BatchOutcome,
} from "../../lib/batch";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatBytes, percent, plural } from "../../lib/format";
import { toast } from "../../ui/toast";
import type { ProjectContext } from "./context";
import { renderResult } from "./upload-result";

const fileKey = (f: File): string => `${f.name}|${f.size}|${f.lastModified}`;

export interface UploadTab {
  focus: () => void;
}

export function mountUpload(root: HTMLElement, ctx: ProjectContext): UploadTab {
  let selected: File[] = [];
  let running = false;
  let abort: (() => void) | null = null;
  let cancelled = false;

  const input = h("input", {
    type: "file", multiple: true, class: "visually-hidden", id: "upload-input",
    accept: "image/*,.zip,application/zip,application/x-zip-compressed", "data-testid": "upload-input",
  });
  const chooseBtn = h("button", { type: "button", class: "secondary", onclick: () => input.click() }, "Choose files");
  const drop = h("div", { class: "dropzone", tabindex: "0", "data-testid": "upload-dropzone" },
    h("div", { class: "drop-icon", "aria-hidden": "true" }, "⇪"),
    h("p", { class: "drop-title" }, "Drop images or .zip archives here"),
    h("p", { class: "muted small" }, "JPEG, PNG, WebP, BMP · zips are unpacked on the server (folder per class supported)"),
    chooseBtn,
    input,
  );

  const labelSel = h("select", { name: "label", id: "upload-label" });
  const renderLabels = (list: Label[]): void => {
    const keep = labelSel.value;
    labelSel.replaceChildren(option("", "— none —"), ...list.map((l) => option(String(l.id), l.name)));
    labelSel.value = list.some((l) => String(l.id) === keep) ? keep : "";
  };
  ctx.labels.subscribe(renderLabels);
  renderLabels(ctx.labels.list);

  const layoutSel = h("select", { name: "layout", id: "upload-layout" },
    option("auto", "Auto-detect"), option("flat", "Flat (all images, no classes)"),
    option("folders", "Folder per class (folder name = label)"));

  const options = h("div", { class: "card upload-options" },
    h("h3", null, "Options"),
    h("label", { class: "field-v" }, h("span", null, "Tag all as label"), labelSel,
      h("small", { class: "muted" }, "Adds this label as an image-level tag to every new image.")),
    h("label", { class: "field-v" }, h("span", null, "Zip layout"), layoutSel,
      h("small", { class: "muted" }, "Folder per class creates missing labels from folder names.")),
  );

  const selection = h("div", { class: "selection", hidden: true });
  const startBtn = h("button", { type: "button", class: "primary", "data-testid": "upload-start", disabled: true }, "Upload");
  const cancelBtn = h("button", { type: "button", class: "ghost", hidden: true }, "Cancel");
  const progress = h("progress", { max: "100", value: "0", "data-testid": "upload-progress", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0", "aria-label": "Upload progress" });
  const progressText = h("span", { class: "progress-text" });
  const batchList = h("ol", { class: "batches" });
  const progressBlock = h("div", { class: "card progress-block", hidden: true },
    h("div", { class: "progress-row" }, progress, progressText), batchList);
  const result = h("div", { class: "card upload-result", "data-testid": "upload-result", hidden: true, "aria-live": "polite" });

  replaceChildren(root,
    h("div", { class: "upload-layout" },
      h("div", { class: "upload-main" }, drop, selection,
        h("div", { class: "actions" }, startBtn, cancelBtn)),
      options),
    progressBlock,
    result,
  );

  const paintSelection = (): void => {
    const bytes = selected.reduce((a, f) => a + f.size, 0);
    const batches = planBatches(selected);
    startBtn.disabled = running || selected.length === 0;
    startBtn.textContent = selected.length ? `Upload ${plural(selected.length, "file")}` : "Upload";
    selection.hidden = selected.length === 0;
    if (!selected.length) return;
    const shown = selected.slice(0, 8);
    replaceChildren(selection,
      h("div", { class: "selection-head" },
        h("strong", null, plural(selected.length, "file")),
        h("span", { class: "muted" }, ` · ${formatBytes(bytes)} · ${plural(batches.length, "request")}`),
        h("span", { class: "spacer" }),
        h("button", { type: "button", class: "link", disabled: running, onclick: () => { selected = []; paintSelection(); } }, "Clear")),
      h("ul", { class: "file-list" },
        shown.map((f) => h("li", null, h("span", { class: "name" }, f.name), h("span", { class: "muted" }, formatBytes(f.size)))),
        selected.length > shown.length ? h("li", { class: "muted" }, `and ${selected.length - shown.length} more`) : null),
    );
  };

  const addFiles = (files: Iterable<File>): void => {
    if (running) return;
    const have = new Set(selected.map(fileKey));
    const skipped: string[] = [];
    for (const f of files) {
      if (!isAcceptable(f)) skipped.push(f.name);
      else if (!have.has(fileKey(f))) {
        have.add(fileKey(f));
        selected.push(f);
      }
    }
    if (skipped.length) toast(`Skipped ${plural(skipped.length, "file")} that ${skipped.length === 1 ? "is not an image or a zip" : "are not images or zips"}: ${skipped.slice(0, 3).join(", ")}${skipped.length > 3 ? "…" : ""}`, "error");
    paintSelection();
  };

  input.addEventListener("change", () => {
    addFiles(Array.from(input.files ?? []));
    input.value = "";
  });
  drop.addEventListener("keydown", (e) => {
    if (e.target === drop && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      input.click();
    }
  });
  let depth = 0;
  root.addEventListener("dragenter", (e) => {
    e.preventDefault();
    depth++;
    drop.classList.add("over");
  });
  root.addEventListener("dragover", (e) => e.preventDefault());
  root.addEventListener("dragleave", () => {
    if (--depth <= 0) {
      depth = 0;
      drop.classList.remove("over");
    }
  });
  root.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    drop.classList.remove("over");
    addFiles(Array.from(e.dataTransfer?.files ?? []));
  });

  const setProgress = (tracker: ProgressTracker, label: string): void => {
    const pct = Math.floor(tracker.fraction * 100);
    progress.value = pct;
    progress.setAttribute("aria-valuenow", String(pct));
    progressText.textContent = `${percent(tracker.fraction)} · ${formatBytes(tracker.sent)} of ${formatBytes(tracker.total)} · ${label}`;
  };

  const batchRow = (b: Batch<File>, i: number): HTMLElement =>
    h("li", { class: "batch", "data-state": "queued" },
      h("span", { class: "batch-name" }, b.zip ? `Zip · ${b.files[0]?.name ?? ""}` : `Batch ${i + 1} · ${plural(b.files.length, "file")}`),
      h("span", { class: "muted small" }, formatBytes(b.bytes)),
      h("span", { class: "batch-state" }, "Queued"));

  const setRow = (row: Element | undefined, state: string, text: string): void => {
    if (!row) return;
    row.setAttribute("data-state", state);
    const s = row.querySelector(".batch-state");
    if (s) s.textContent = text;
  };

  const outcomeText = (o: BatchOutcome): string => {
    if (o.message && !o.created.length) return o.message;
    const parts = [`${o.created.length} created`];
    if (o.duplicates.length) parts.push(`${o.duplicates.length} duplicate${o.duplicates.length === 1 ? "" : "s"}`);
    if (o.errors.length) parts.push(`${o.errors.length} error${o.errors.length === 1 ? "" : "s"}`);
    return parts.join(" · ");
  };

  async function start(): Promise<void> {
    if (running || !selected.length) return;
    running = true;
    cancelled = false;
    const files = selected;
    const label = labelSel.value ? Number(labelSel.value) : null;
    const layout = layoutSel.value as ZipLayout;
    const batches = planBatches(files);
    const tracker = new ProgressTracker(batches.map((b) => b.bytes));
    const rows = batches.map(batchRow);
    let total: UploadResult = emptyResult();
    const retry: File[] = [];
    replaceChildren(batchList, rows);
    progressBlock.hidden = false;
    result.hidden = false;
    result.dataset.state = "running";
    replaceChildren(result, h("p", { class: "muted" }, "Uploading…"));
    cancelBtn.hidden = false;
    paintSelection();
    setProgress(tracker, `request 1 of ${batches.length}`);

    for (const [i, batch] of batches.entries()) {
      if (cancelled) {
        setRow(rows[i], "skipped", "Cancelled");
        retry.push(...batch.files);
        continue;
      }
      const label_ = `request ${i + 1} of ${batches.length}`;
      setRow(rows[i], "uploading", "Uploading…");
      const handle = images.upload(ctx.projectId, batch.files, { label, layout }, (loaded, t) => {
        tracker.update(i, loaded, t);
        setProgress(tracker, label_);
        setRow(rows[i], "uploading", loaded >= t ? "Processing on server…" : `Uploading ${percent(loaded / t)}`);
      });
      abort = handle.abort;
      let outcome: BatchOutcome;
      try {
        const { status, body } = await handle.promise;
        outcome = batchOutcome(status, body, batch.files);
        if (status === 0 || status >= 500) retry.push(...batch.files);
      } catch (err) {
        outcome = batchOutcome(0, { detail: errorMessage(err) }, batch.files);
        retry.push(...batch.files);
      }
      abort = null;
      tracker.complete(i);
      setProgress(tracker, label_);
      const ok = outcome.created.length > 0 || (outcome.errors.length === 0 && outcome.status < 400);
      setRow(rows[i], outcome.errors.length ? (ok ? "partial" : "failed") : "done", outcomeText(outcome));
      total = mergeResults(total, outcome);
      renderResult(result, total, { running: i < batches.length - 1 && !cancelled, ctx });
    }

    running = false;
    cancelBtn.hidden = true;
    setProgress(tracker, cancelled ? "cancelled" : "finished");
    result.dataset.state = "done";
    selected = retry;
    renderResult(result, total, {
      running: false, ctx, cancelled,
      retry: retry.length ? () => void start() : undefined, retryCount: retry.length,
    });
    paintSelection();
    if (total.labels_created.length) void ctx.labels.load(true);
    if (total.created.length) {
      toast(`${plural(total.created.length, "image")} added`, "ok");
      ctx.refreshImages();
      ctx.refreshSummary();
    }
  }

  startBtn.addEventListener("click", () => void start());
  cancelBtn.addEventListener("click", () => {
    cancelled = true;
    abort?.();
  });
  window.addEventListener("beforeunload", (e) => {
    if (running) e.preventDefault();
  });

  return { focus: () => chooseBtn.focus() };
}
