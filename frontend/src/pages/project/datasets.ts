/**
 * "Import & export" tab (managers): bring a labelled dataset in from another tool (drop a
 * zip; the format is detected or chosen) and take the project out in the field's formats
 * (which images, with or without the image files). Both run as jobs: their rows move live
 * from `import.progress` / `export.progress`, can be cancelled, and end with a report (what
 * was created, matched, skipped and why) or a download.
 */
import {
  datasets, EXPORT_FORMATS, FORMAT_TEXT, IMPORT_FORMATS, isVideo, VIDEO_EXTENSIONS, type VideoOptions, type DatasetExport, type DatasetImport,
  type ExportFilter, type ExportFormat, type ImportFormat,
} from "../../api/datasets";
import { errorMessage } from "../../api/http";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatBytes, formatCount, relativeTime } from "../../lib/format";
import { messageArea, toast } from "../../ui/toast";
import { progressBar, statusBadge } from "../widgets/run-ui";
import type { ProjectContext } from "./context";

type Job = DatasetImport | DatasetExport;
const FINAL = new Set(["succeeded", "failed", "cancelled", "interrupted"]);
const n = formatCount;

/** The report line of an import: only what is non-zero. */
export function importSummary(job: DatasetImport): string {
  const c = job.counts ?? {};
  const parts = [
    `${n(c.images_created ?? 0)} images created`,
    c.images_existing ? `${n(c.images_existing)} already here` : "",
    `${n(c.annotations_created ?? 0)} annotations`,
    c.annotations_existing ? `${n(c.annotations_existing)} already there` : "",
    c.boxes_clipped ? `${n(c.boxes_clipped)} boxes clipped` : "",
    c.skipped ? `${n(c.skipped)} skipped` : "",
    c.images_failed ? `${n(c.images_failed)} unreadable` : "",
    c.frames_skipped ? `${n(c.frames_skipped)} frames left out (sampling, near-copies)` : "",
    c.labels_created?.length ? `new labels: ${c.labels_created.join(", ")}` : "",
  ];
  return parts.filter(Boolean).join(" · ");
}

function upsert<T extends Job>(list: T[], job: T): T[] {
  const i = list.findIndex((j) => j.id === job.id);
  if (i < 0) return [job, ...list].sort((a, b) => b.id - a.id);
  if (FINAL.has(list[i]!.status) && !FINAL.has(job.status)) return list; // events out of order
  const next = [...list];
  next[i] = job;
  return next;
}

function errorsList(job: Job): HTMLElement | null {
  if (!job.errors?.length) return null;
  return h("details", { class: "job-errors small" },
    h("summary", null, `${n(job.errors.length)} note${job.errors.length === 1 ? "" : "s"} per file`),
    h("ul", null, job.errors.slice(0, 200).map((e) => h("li", null, h("span", { class: "mono" }, e.file), ` — ${e.detail}`))));
}

function jobRow(job: Job, what: string, detail: HTMLElement | string, actions: (HTMLElement | null)[]): HTMLElement {
  const running = !FINAL.has(job.status);
  return h("li", { class: `job-row${running ? " is-active" : ""}`, "data-testid": "dataset-job", "data-status": job.status, "data-job-id": String(job.id) },
    h("div", { class: "job-head" }, h("b", null, what), statusBadge(job.status),
      h("span", { class: "muted small", title: new Date(job.created_at).toLocaleString() }, relativeTime(job.created_at)),
      h("span", { class: "spacer" }), ...actions),
    running || job.status === "succeeded"
      ? h("div", { class: "progress-line" }, progressBar({ status: job.status, progress: job.status === "succeeded" ? 1 : job.progress }),
        h("span", { class: "pct mono small" }, job.total ? `${n(job.processed)} / ${n(job.total)}` : job.status === "queued" ? "waiting for a worker" : ""))
      : null,
    h("div", { class: "job-detail small", "data-testid": "dataset-job-report" }, detail),
    job.error ? h("p", { class: "msg msg-error small" }, job.error) : null,
    errorsList(job));
}

const FORMAT_KEY = "labelforge.import.format";

/** A video import's options: frames a second or every Nth frame, a time range, near-copies. */
function videoFields(): { el: HTMLElement; options: () => VideoOptions } {
  const mode = h("select", { "data-testid": "video-mode", "aria-label": "Sampling" },
    option("fps", "frames a second"), option("every", "every Nth frame"));
  const rate = h("input", { type: "number", min: "0.01", step: "any", value: "1", "data-testid": "video-rate", "aria-label": "How many", class: "num" });
  const from = h("input", { type: "number", min: "0", step: "any", placeholder: "start", "data-testid": "video-start", "aria-label": "From (seconds)", class: "num" });
  const to = h("input", { type: "number", min: "0", step: "any", placeholder: "end", "data-testid": "video-end", "aria-label": "To (seconds)", class: "num" });
  const dedupe = h("input", { type: "number", min: "0", max: "64", step: "1", value: "6", "data-testid": "video-dedupe", "aria-label": "Near-copy distance", class: "num" });
  const num = (input: HTMLInputElement): number | undefined => (input.value === "" ? undefined : Number(input.value));
  const el = h("fieldset", { class: "video-options", hidden: true, "data-testid": "video-options" },
    h("legend", null, "Frames to take"),
    h("label", { class: "field" }, h("span", null, "Keep"), rate, mode),
    h("label", { class: "field" }, h("span", null, "Seconds"), from, h("span", null, "to"), to),
    h("label", { class: "field" }, h("span", null, "Skip near-copies within"), dedupe, h("span", { class: "muted small" }, "bits of 64 (0 keeps every frame)")));
  return {
    el,
    options: () => ({
      ...(mode.value === "fps" ? { fps: num(rate) } : { every_n_frames: num(rate) }),
      start: num(from), end: num(to), dedupe_distance: num(dedupe),
    }),
  };
}

function importCard(ctx: ProjectContext, onStarted: (job: DatasetImport) => void): HTMLElement {
  const msg = messageArea();
  const file = h("input", { type: "file", accept: `.zip,application/zip,video/*,${VIDEO_EXTENSIONS.join(",")}`, "data-testid": "import-file", "aria-label": "Dataset archive (.zip) or video" });
  const format = h("select", { name: "format", "data-testid": "import-format", "aria-label": "Format" },
    IMPORT_FORMATS.map((f) => option(f, FORMAT_TEXT[f])));
  const remembered = localStorage.getItem(FORMAT_KEY);
  if (remembered && (IMPORT_FORMATS as readonly string[]).includes(remembered)) format.value = remembered;
  format.addEventListener("change", () => { localStorage.setItem(FORMAT_KEY, format.value); showVideo(); });
  const video = videoFields();
  const showVideo = (): void => { video.el.hidden = !(format.value === "video" || (format.value === "auto" && picked !== null && isVideo(picked.name))); };
  const chosen = h("span", { class: "muted small" }, "Nothing chosen yet");
  const bar = h("progress", { max: "1", value: "0", hidden: true });
  const start = h("button", { type: "submit", class: "primary", disabled: true, "data-testid": "import-start" }, "Import");
  const drop = h("label", { class: "dropzone compact", "data-testid": "import-drop" },
    h("b", null, "Drop a dataset zip or a video here"), h("span", { class: "muted small" }, " or click to choose one"), file);
  let picked: File | null = null;
  const pick = (f: File | undefined): void => {
    picked = f ?? null;
    chosen.textContent = picked ? `${picked.name} · ${formatBytes(picked.size)}` : "Nothing chosen yet";
    start.disabled = !picked;
    showVideo();
  };
  file.addEventListener("change", () => pick(file.files?.[0]));
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    pick(e.dataTransfer?.files?.[0]);
  });
  const form = h("form", { class: "card dataset-card", "data-testid": "import-form", novalidate: true },
    h("h3", null, "Import a dataset"),
    h("p", { class: "muted small" }, "COCO, YOLO, Pascal VOC, CVAT, Label Studio, folder-per-class, a Labelforge export, or a video to take frames from. Images already in the project are matched by content and only what they lack is added; importing the same archive twice adds nothing."),
    drop, chosen, h("label", { class: "field-v" }, h("span", null, "Format"), format), video.el, bar, msg.el,
    h("div", { class: "actions" }, h("span", { class: "spacer" }), start));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!picked) return;
    msg.clear();
    start.disabled = true;
    bar.hidden = false;
    const options = video.el.hidden ? {} : video.options();
    const upload = datasets.startImport(ctx.projectId, picked, format.value as ImportFormat, options, (loaded, total) => (bar.value = loaded / total));
    try {
      const { status, body } = await upload.promise;
      if (status !== 202) throw new Error(body.detail ?? `The server answered ${status}.`);
      onStarted(body);
      pick(undefined);
      file.value = "";
    } catch (err) {
      msg.show(errorMessage(err));
    } finally {
      bar.hidden = true;
      start.disabled = !picked;
    }
  });
  return form;
}

function exportCard(ctx: ProjectContext, onStarted: (job: DatasetExport) => void): HTMLElement {
  const msg = messageArea();
  const format = h("select", { name: "format", "data-testid": "export-format", "aria-label": "Format" },
    EXPORT_FORMATS.map((f) => option(f, FORMAT_TEXT[f])));
  const split = h("select", { name: "split", "aria-label": "Split" }, option("", "Every split"),
    ["train", "val", "test", "unassigned"].map((s) => option(s, s)));
  const status = h("select", { name: "status", "aria-label": "Status" }, option("", "Any status"),
    ["new", "in_progress", "done", "reviewed"].map((s) => option(s, s.replace("_", " "))));
  const reviewed = h("input", { type: "checkbox", name: "reviewed_only" });
  const images = h("input", { type: "checkbox", name: "include_images", checked: true, "data-testid": "export-images" });
  const start = h("button", { type: "submit", class: "primary", "data-testid": "export-start" }, "Export");
  const form = h("form", { class: "card dataset-card", "data-testid": "export-form", novalidate: true },
    h("h3", null, "Export"),
    h("p", { class: "muted small" }, "A zip in the chosen format, kept for 7 days. Boxes and tags a person made or accepted; the Labelforge format keeps everything, predictions and review included."),
    h("label", { class: "field-v" }, h("span", null, "Format"), format),
    h("div", { class: "field-row" }, h("label", { class: "field-v" }, h("span", null, "Split"), split),
      h("label", { class: "field-v" }, h("span", null, "Status"), status)),
    h("label", { class: "check" }, reviewed, " Only reviewed images"),
    h("label", { class: "check" }, images, " Include the image files"),
    msg.el, h("div", { class: "actions" }, h("span", { class: "spacer" }), start));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    const filter: ExportFilter = {};
    if (split.value) filter.split = split.value as ExportFilter["split"];
    if (status.value) filter.status = status.value as ExportFilter["status"];
    if (reviewed.checked) filter.reviewed_only = true;
    start.disabled = true;
    try {
      onStarted(await datasets.startExport(ctx.projectId, { format: format.value as ExportFormat, filter, include_images: images.checked }));
    } catch (err) {
      msg.show(errorMessage(err));
    } finally {
      start.disabled = false;
    }
  });
  return form;
}

export function mountDatasets(root: HTMLElement, ctx: ProjectContext): void {
  let imports: DatasetImport[] = [];
  let exports: DatasetExport[] = [];
  const list = h("ul", { class: "job-list", "data-testid": "dataset-jobs" });

  async function cancel(job: Job, btn: HTMLButtonElement): Promise<void> {
    btn.disabled = true;
    try {
      if ("filename" in job) imports = upsert(imports, await datasets.cancelImport(job.id));
      else exports = upsert(exports, await datasets.cancelExport(job.id));
      render();
    } catch (err) {
      btn.disabled = false;
      toast(`Could not cancel: ${errorMessage(err)}`, "error");
    }
  }

  function actions(job: Job): (HTMLElement | null)[] {
    const out: (HTMLElement | null)[] = [];
    if (!FINAL.has(job.status) && job.status !== "cancelling") {
      const btn = h("button", { type: "button", class: "ghost small danger", "data-testid": "dataset-job-cancel" }, "Cancel");
      btn.addEventListener("click", () => void cancel(job, btn));
      out.push(btn);
    }
    if ("download" in job && job.download && job.status === "succeeded") {
      out.push(h("a", { class: "button small", href: job.download, "data-testid": "export-download" }, `Download · ${formatBytes(job.size_bytes)}`));
    }
    return out;
  }

  function render(): void {
    const rows = [...imports, ...exports].sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, 30);
    replaceChildren(list, rows.length ? rows.map((job) => "filename" in job
      ? jobRow(job, `Import ${job.filename}`, job.status === "queued" ? "" : `${job.detected_format ? `${job.detected_format.toUpperCase()} · ` : ""}${importSummary(job)}`, actions(job))
      : jobRow(job, `Export · ${FORMAT_TEXT[job.format]}`, job.status === "succeeded" ? `${n(job.counts.images ?? 0)} images · ${n(job.counts.annotations ?? 0)} annotations${job.include_images ? "" : " · labels only"}` : "", actions(job)))
      : h("li", { class: "empty-row muted" }, "No imports or exports yet."));
  }

  async function load(): Promise<void> {
    try {
      const [i, e] = await Promise.all([datasets.imports(ctx.projectId), datasets.exports(ctx.projectId)]);
      imports = i.results;
      exports = e.results;
      render();
    } catch (err) {
      toast(`Could not load imports and exports: ${errorMessage(err)}`, "error");
    }
  }

  ctx.socket.on("import.progress", (p) => {
    const job = p as DatasetImport;
    const before = imports.find((j) => j.id === job.id);
    imports = upsert(imports, job);
    if (job.status === "succeeded" && before?.status !== "succeeded") {
      ctx.refreshImages();
      ctx.refreshSummary();
      void ctx.labels.load(true);
    }
    render();
  });
  ctx.socket.on("export.progress", (p) => { exports = upsert(exports, p as DatasetExport); render(); });
  let hellos = 0;
  ctx.socket.on("hello", () => { // a reconnect: events may have been missed
    if (hellos++ > 0) void load();
  });

  replaceChildren(root,
    h("div", { class: "dataset-grid" },
      importCard(ctx, (job) => { imports = upsert(imports, job); render(); }),
      exportCard(ctx, (job) => { exports = upsert(exports, job); render(); })),
    h("section", { class: "card" }, h("h3", null, "Imports and exports"), list));
  render();
  void load();
}
