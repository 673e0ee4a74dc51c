/**
 * Training tab: every run of the project, updated in place from run.status / run.progress
 * websocket events (the list is refetched when the socket reconnects), and the "New run"
 * form for managers and owners.
 */
import type { Page } from "../../api/common";
import { errorMessage } from "../../api/http";
import { type RunProgressPayload, type TrainingRun, trainingRuns } from "../../api/runs";
import { h, replaceChildren } from "../../lib/dom";
import { plural, relativeTime } from "../../lib/format";
import { runUrl } from "../../lib/urls";
import { applyProgress, etaText, headlineMetric, isActive, sortRuns, stepText, upsertRun } from "../widgets/run-status";
import { progressBar, setProgress, statusBadge, taskPill } from "../widgets/run-ui";
import type { ProjectContext } from "./context";
import { trainingForm } from "./training-form";

const COLS = 8;

/** "100 / 160 steps · ETA 14s", or just "waiting for a worker" before the first step. */
function progressMeta(run: TrainingRun): (string | HTMLElement)[] {
  const eta = etaText(run);
  const steps = run.total_steps || run.step ? `${stepText(run.step ?? 0, run.total_steps ?? 0)}${run.total_steps ? " steps" : ""}` : "";
  if (!steps) return [eta || "–"];
  return eta ? [steps, h("span", { class: "eta" }, ` · ${eta}`)] : [steps];
}

export function mountTraining(root: HTMLElement, ctx: ProjectContext): void {
  const body = h("tbody");
  const count = h("span", { class: "muted small" });
  const error = h("p", { class: "msg msg-error", role: "alert", hidden: true });
  let runs: TrainingRun[] = [];
  let loaded = false;
  const rows = new Map<number, HTMLTableRowElement>();

  const table = h("table", { class: "table runs-table", "data-testid": "runs-table" },
    h("thead", null, h("tr", null,
      h("th", { class: "col-run" }, "Run"), h("th", { class: "col-task" }, "Task"), h("th", { class: "col-status" }, "Status"),
      h("th", { class: "col-progress" }, "Progress"), h("th", { class: "col-best", title: "Best figure on the validation split during training" }, "Best (val)"),
      h("th", { class: "col-device" }, "Device"), h("th", { class: "col-by" }, "Started by"), h("th", { class: "col-when" }, "Started"))),
    body);
  const empty = h("div", { class: "empty runs-empty", hidden: true },
    h("div", { class: "empty-icon" }, "◇"),
    h("h3", null, "No training runs yet"),
    h("p", { class: "muted" }, ctx.canManage
      ? "Pick a task and an architecture in “New run”. The run trains on a worker from a frozen snapshot of the labelled images; its loss charts move here live."
      : "Managers and owners start runs. When they do, they show up here with live progress."));

  function rowFor(run: TrainingRun): HTMLTableRowElement {
    const url = runUrl(ctx.projectId, run.id);
    const best = headlineMetric(run.task, run.best_metrics);
    const when = run.started_at ?? run.created_at;
    const tr = h("tr", { class: "run-row", "data-testid": "run-row", "data-run-id": String(run.id), "data-status": run.status },
      h("td", { class: "col-run" }, h("a", { href: url, class: "run-link" }, h("span", { class: "run-num" }, `#${run.id}`), " ", h("span", { class: "strong" }, run.architecture))),
      h("td", null, taskPill(run.task)),
      h("td", null, statusBadge(run.status)),
      h("td", { class: "progress-cell" },
        h("div", { class: "progress-line" }, progressBar(run), h("span", { class: "pct" }, `${Math.floor((run.status === "succeeded" ? 1 : run.progress || 0) * 100)}%`)),
        h("div", { class: "muted small progress-meta" }, progressMeta(run))),
      h("td", { class: "best-cell" }, best ? [h("b", null, best.text), h("span", { class: "muted small" }, ` ${best.label}`)] : h("span", { class: "muted" }, "–")),
      h("td", { class: "mono small device-cell", title: run.worker ? `worker ${run.worker}` : "" }, run.device || h("span", { class: "muted" }, "–")),
      h("td", { class: "small" }, run.created_by ?? "–"),
      h("td", { class: "muted small", title: new Date(when).toLocaleString() }, relativeTime(when)),
    );
    tr.addEventListener("click", (e) => {
      if ((e.target as HTMLElement).closest("a, button")) return;
      window.location.href = url;
    });
    return tr;
  }

  function render(): void {
    rows.clear();
    count.textContent = loaded ? plural(runs.length, "run") : "";
    const active = runs.filter((r) => isActive(r.status)).length;
    if (active) count.textContent += ` · ${active} active`;
    empty.hidden = !loaded || runs.length > 0;
    table.hidden = loaded && runs.length === 0;
    if (!loaded) {
      replaceChildren(body, h("tr", null, h("td", { colspan: String(COLS), class: "empty-row" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Loading runs…")));
      return;
    }
    replaceChildren(body, runs.map((r) => {
      const tr = rowFor(r);
      rows.set(r.id, tr);
      return tr;
    }));
  }

  /** Replace one row in place (keeps the rest of the table, and the reader's hover, still). */
  function update(run: TrainingRun): void {
    const old = rows.get(run.id);
    if (!old) return render();
    const statusChanged = old.dataset.status !== run.status;
    const tr = rowFor(run);
    old.replaceWith(tr);
    rows.set(run.id, tr);
    if (statusChanged) render();
  }

  /** Cheap path for progress ticks: only the progress cell changes. */
  function tick(run: TrainingRun): void {
    const tr = rows.get(run.id);
    const bar = tr?.querySelector<HTMLProgressElement>("progress");
    if (!tr || !bar || tr.dataset.status !== run.status) return update(run);
    setProgress(bar, run);
    const fresh = rowFor(run);
    tr.querySelector(".progress-cell")?.replaceWith(fresh.querySelector(".progress-cell")!);
    tr.querySelector(".best-cell")?.replaceWith(fresh.querySelector(".best-cell")!);
  }

  async function load(): Promise<void> {
    try {
      let page: Page<TrainingRun> = await trainingRuns.list(ctx.projectId);
      let all = page.results;
      for (let i = 0; page.next && i < 20; i++) {
        page = await trainingRuns.page(page.next);
        all = all.concat(page.results);
      }
      runs = sortRuns(all);
      loaded = true;
      error.hidden = true;
      render();
    } catch (err) {
      error.textContent = `Could not load training runs: ${errorMessage(err)}`;
      error.hidden = false;
      if (!loaded) {
        loaded = true;
        render();
      }
    }
  }

  ctx.socket.on("run.status", (payload) => {
    const run = payload as TrainingRun;
    if (!run || typeof run.id !== "number" || (run.project !== undefined && run.project !== ctx.projectId)) return;
    const known = runs.some((r) => r.id === run.id);
    runs = upsertRun(runs, run);
    if (known) update(runs.find((r) => r.id === run.id)!);
    else render();
  });
  ctx.socket.on("run.progress", (payload) => {
    const p = payload as RunProgressPayload;
    const i = runs.findIndex((r) => r.id === p?.id);
    if (i < 0) return;
    const next = applyProgress(runs[i]!, p);
    runs = runs.map((r, j) => (j === i ? next : r));
    tick(next);
  });
  // Every (re)connect may have missed events: refetch (the first load is still in flight, or done).
  ctx.socket.on("hello", () => {
    if (loaded) void load();
  });

  const list = h("section", { class: "runs-list" },
    h("div", { class: "section-head" }, h("h2", null, "Training runs"), count),
    error, table, empty);
  replaceChildren(root, h("div", { class: ctx.canManage ? "training-layout" : "training-layout single" },
    list, ctx.canManage ? h("aside", { class: "training-side" }, trainingForm(ctx)) : null));
  render();
  void load();
}
