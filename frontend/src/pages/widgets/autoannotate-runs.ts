/**
 * The auto-annotation runs card: newest first, live from `autoannotate.progress` (refetched
 * when the socket reconnects), a progress bar with processed/total and the counts, cancel
 * for managers, and a toast with a "Review" link when a run finishes.
 */
import { autoAnnotate, type AutoAnnotationRun } from "../../api/autoannotate";
import { errorMessage } from "../../api/http";
import { h, replaceChildren } from "../../lib/dom";
import { relativeTime } from "../../lib/format";
import { reviewListUrl } from "../../lib/urls";
import type { ProjectSocket } from "../../realtime/socket";
import { toast } from "../../ui/toast";
import { countsText, finishMessage, isFinished, justFinished, MODE_TEXT, progressText, runFraction, SCOPE_TEXT, thresholdText, upsertRun } from "./autoannotate-progress";
import { progressBar, statusBadge } from "./run-ui";

export interface RunsCardOptions {
  projectId: number;
  canManage: boolean;
  socket: ProjectSocket;
  /** Only this version's runs (the version page). */
  versionId?: number;
  /** Show at most this many (newest). */
  limit?: number;
}

export interface RunsCard {
  el: HTMLElement;
  add: (run: AutoAnnotationRun) => void;
}

export function runsCard(o: RunsCardOptions): RunsCard {
  let runs: AutoAnnotationRun[] = [];
  let loaded = false;
  const body = h("tbody");
  const msg = h("p", { class: "msg msg-error", role: "alert", hidden: true });
  const reviewHref = reviewListUrl(o.projectId);
  const mine = (r: AutoAnnotationRun): boolean =>
    r.project === o.projectId && (o.versionId === undefined || r.model_version?.id === o.versionId || r.classifier_version?.id === o.versionId);

  async function cancel(run: AutoAnnotationRun, btn: HTMLButtonElement): Promise<void> {
    btn.disabled = true;
    try {
      add(await autoAnnotate.cancel(run.id));
    } catch (err) {
      btn.disabled = false;
      toast(`Could not cancel: ${errorMessage(err)}`, "error");
    }
  }

  function row(r: AutoAnnotationRun): HTMLTableRowElement {
    const v = `v${r.model_version.version}`;
    const cls = r.classifier_version ? ` → v${r.classifier_version.version}` : "";
    const active = !isFinished(r);
    const cancelBtn = o.canManage && active && r.status !== "cancelling"
      ? h("button", { type: "button", class: "ghost small danger", "data-testid": "autoannotate-cancel", title: "Stop after the current batch" }, "Cancel")
      : null;
    cancelBtn?.addEventListener("click", () => void cancel(r, cancelBtn));
    const counts = r.status === "queued" ? "" : countsText(r.counts ?? {});
    return h("tr", { "data-testid": "autoannotate-row", "data-run-id": String(r.id), "data-status": r.status, class: active ? "is-active" : "" },
      h("td", null, h("b", null, `#${r.id}`), h("div", { class: "muted small" }, h("span", { class: "mono" }, `${v}${cls}`), ` · ${r.model_version.architecture}`)),
      h("td", { class: "small" }, MODE_TEXT[r.mode] ?? r.mode, h("div", { class: "muted" }, `${SCOPE_TEXT[r.scope] ?? r.scope} · ${thresholdText(r.threshold)}`)),
      h("td", null, statusBadge(r.status, "autoannotate-status")),
      h("td", { class: "col-progress" },
        h("div", { class: "progress-line" }, progressBar({ status: r.status, progress: runFraction(r) }, "autoannotate-progress"),
          h("span", { class: "pct", "data-testid": "autoannotate-pct" }, `${Math.floor(runFraction(r) * 100)}%`)),
        h("div", { class: "progress-meta muted small", "data-testid": "autoannotate-counts", title: counts }, progressText(r, false), counts ? ` · ${counts}` : ""),
        r.error ? h("div", { class: "msg-error small", title: r.error }, r.error) : null),
      h("td", { class: "muted small" }, r.created_by ?? "", h("div", { title: new Date(r.created_at).toLocaleString() }, relativeTime(r.created_at))),
      h("td", { class: "row-actions" }, cancelBtn,
        r.status === "succeeded" && (r.counts?.predictions ?? 0) > 0
          ? h("a", { class: "button small", href: reviewHref, "data-testid": "autoannotate-review", title: "The images with predictions, most uncertain first" }, "Review")
          : null));
  }

  function render(): void {
    const shown = runs.filter(mine).slice(0, o.limit ?? 20);
    if (!loaded) return replaceChildren(body, h("tr", null, h("td", { colspan: "6", class: "empty-row" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Loading runs…")));
    replaceChildren(body, shown.length ? shown.map(row)
      : h("tr", null, h("td", { colspan: "6", class: "empty-row muted" }, o.canManage ? "No pre-labelling yet. Use “Pre-label…” on a ready version." : "No pre-labelling yet.")));
  }

  function add(run: AutoAnnotationRun): void {
    if (!run || typeof run.id !== "number" || !run.model_version) return;
    const before = runs.find((r) => r.id === run.id);
    runs = upsertRun(runs, run);
    if (loaded && before && justFinished(before, run) && mine(run)) {
      const m = finishMessage(run);
      toast(m.text, m.kind, run.status === "succeeded" && (run.counts?.predictions ?? 0) > 0 ? { text: "Review →", href: reviewHref } : undefined);
    }
    render();
  }

  async function load(): Promise<void> {
    try {
      const page = await autoAnnotate.list(o.projectId);
      let merged = runs;
      for (const r of page.results) merged = upsertRun(merged, r);
      runs = merged;
      msg.hidden = true;
    } catch (err) {
      msg.textContent = `Could not load pre-labelling runs: ${errorMessage(err)}`;
      msg.hidden = false;
    }
    loaded = true;
    render();
  }

  o.socket.on("autoannotate.progress", (p) => add(p as AutoAnnotationRun));
  let hellos = 0;
  o.socket.on("hello", () => {
    if (hellos++ > 0) void load();
  });

  const el = h("section", { class: "card autoannotate-card", "data-testid": "autoannotate-runs" },
    h("div", { class: "side-head" }, h("h3", null, "Pre-labelling runs"),
      h("span", { class: "muted small" }, "predictions stay pending until someone reviews them"), h("span", { class: "spacer" }),
      h("a", { class: "small", href: reviewHref, title: "Images with predictions, most uncertain first" }, "Review queue →")),
    msg,
    h("table", { class: "table runs-table autoannotate-table" },
      h("thead", null, h("tr", null, h("th", null, "Run"), h("th", null, "What"), h("th", null, "Status"), h("th", { class: "col-progress" }, "Progress"), h("th", null, "By"), h("th", null, ""))),
      body));
  render();
  void load();
  return { el, add };
}
