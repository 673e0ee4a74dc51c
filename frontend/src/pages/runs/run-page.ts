/**
 * The run page (/projects/{pid}/runs/{id}/): loads the run, its full metric history and log,
 * then follows the project websocket (run.status / run.progress / run.log for this run).
 * Events that arrive while the history loads are queued and replayed; the metric store
 * dedupes by step+name, so overlaps are harmless. A reconnect refetches what was missed.
 */
import { errorMessage } from "../../api/http";
import { type MetricRow, type RunLogPayload, type RunProgressPayload, type TrainingRun, trainingRuns } from "../../api/runs";
import { MetricStore } from "../../charts/series";
import { byId, h, replaceChildren } from "../../lib/dom";
import { atLeast, parseRole } from "../../lib/roles";
import { projectTabUrl, runUrl } from "../../lib/urls";
import { ProjectSocket, projectSocketUrl } from "../../realtime/socket";
import { toast } from "../../ui/toast";
import { liveBadge } from "../widgets/live-badge";
import { applyProgress, isActive, isFinished, usesGpu } from "../widgets/run-status";
import { RunCharts } from "./charts";
import { renderCards, renderError, renderParams, renderSnapshot } from "./details";
import { RunHeader } from "./header";
import { LogView } from "./log-view";

type Pending = { type: "status" | "progress" | "log"; payload: unknown };

export function mountRun(): void {
  const app = byId("app");
  if (!app) return;
  const projectId = Number(app.dataset.projectId);
  const runId = Number(app.dataset.runId);
  const canManage = atLeast(parseRole(app.dataset.role?.toLowerCase()), "manager");
  const live = byId("live");

  const store = new MetricStore();
  const log = new LogView();
  let run: TrainingRun | null = null;
  let header: RunHeader | null = null;
  let charts: RunCharts | null = null;
  const cards = h("div", { class: "metric-cards", "data-testid": "run-metrics" });
  const errorBox = h("div", { class: "run-error msg-error", role: "alert", hidden: true });
  const snapshot = h("section", { class: "card side-card", "data-testid": "run-snapshot" });
  const params = h("section", { class: "card side-card" });
  let queue: Pending[] | null = [];
  let hellos = 0;
  let syncing: Promise<void> | null = null;
  let logBusy: Promise<void> | null = null;
  let logAgain = false;
  let lastLogEvent = Date.now();

  const socket = new ProjectSocket(projectSocketUrl(projectId, window.location), liveBadge(live));

  function setRun(next: TrainingRun): void {
    const wasActive = run ? isActive(run.status) : false;
    const wasFinished = run ? isFinished(run.status) : false;
    run = next;
    header?.update(next);
    renderCards(cards, next);
    renderError(errorBox, next);
    renderSnapshot(snapshot, next);
    renderParams(params, next);
    app!.dataset.status = next.status;
    charts?.setEnded(isFinished(next.status));
    charts?.showGpu(usesGpu(next));
    if (wasActive && isFinished(next.status)) void resync(false);
    if (wasFinished && isActive(next.status)) {
      // Resumed: the worker rewrites the steps after its last checkpoint, so start the history over.
      store.clear();
      charts?.invalidate();
      void resync(false);
    }
  }

  function addRows(rows: MetricRow[] | undefined): void {
    if (!rows?.length) return;
    const changed = store.add(rows);
    if (changed.size) charts?.invalidate(changed);
  }

  function handle(p: Pending): void {
    if (queue) {
      queue.push(p);
      return;
    }
    if (!run) return;
    if (p.type === "status") {
      const incoming = p.payload as TrainingRun;
      setRun({ ...run, ...incoming });
    } else if (p.type === "progress") {
      const payload = p.payload as RunProgressPayload;
      addRows(payload.metrics);
      setRun(applyProgress(run, payload));
    } else {
      lastLogEvent = Date.now();
      log.lines((p.payload as RunLogPayload).lines ?? []);
    }
  }

  const mine = (payload: unknown): boolean => Boolean(payload && (payload as { id?: unknown }).id === runId);
  socket.on("run.status", (pl) => mine(pl) && handle({ type: "status", payload: pl }));
  socket.on("run.progress", (pl) => mine(pl) && handle({ type: "progress", payload: pl }));
  socket.on("run.log", (pl) => mine(pl) && handle({ type: "log", payload: pl }));
  socket.on("hello", () => {
    if (hellos++ > 0 && run) void resync(true);
  });

  async function fetchMetrics(after: number | null): Promise<void> {
    let page = await trainingRuns.metrics(runId, after);
    addRows(page.results);
    // Follow pagination if the server ever adds it; today one answer holds every row.
    for (let guard = 0; page.next && guard < 1000; guard++) {
      page = await trainingRuns.metricsPage(page.next);
      addRows(page.results);
    }
  }

  /** Single flight: a request made while one is out runs once more after it (same offset twice would repeat text). */
  function fetchLog(): Promise<void> {
    if (logBusy) {
      logAgain = true;
      return logBusy;
    }
    logBusy = (async () => {
      try {
        do {
          logAgain = false;
          const chunk = await trainingRuns.log(runId, log.offset);
          log.chunk(chunk.text ?? "", typeof chunk.offset === "number" ? chunk.offset : log.offset);
        } while (logAgain);
      } finally {
        logBusy = null;
      }
    })();
    return logBusy;
  }
  // A safety net, not the main path: if a running run sends no log lines for a while, read the file.
  window.setInterval(() => {
    if (run && run.status === "running" && Date.now() - lastLogEvent > 8000 && !document.hidden) {
      lastLogEvent = Date.now();
      void fetchLog().catch(() => {});
    }
  }, 4000);

  /** After a reconnect or when the run ends: fresh run state, missed metric rows and log. */
  function resync(withRun: boolean): Promise<void> {
    if (syncing) return syncing;
    syncing = (async () => {
      try {
        if (withRun) setRun(await trainingRuns.get(runId));
        await Promise.all([fetchMetrics(store.refetchAfter()), fetchLog()]);
      } catch (err) {
        toast(`Could not refresh the run: ${errorMessage(err)}`, "error");
      } finally {
        syncing = null;
      }
    })();
    return syncing;
  }

  async function act(kind: "cancel" | "resume"): Promise<void> {
    if (!run) return;
    if (kind === "cancel" && !window.confirm("Cancel this run? It stops after the current step and keeps its last checkpoint.")) return;
    header?.setBusy(true);
    try {
      const fresh = kind === "cancel" ? await trainingRuns.cancel(runId) : await trainingRuns.resume(runId);
      if (fresh.id !== runId) {
        window.location.href = runUrl(projectId, fresh.id);
        return;
      }
      setRun({ ...run, ...fresh });
      toast(kind === "cancel" ? "Cancelling: the run stops after the current step." : "Resumed: the run is queued again.", "ok");
    } catch (err) {
      toast(errorMessage(err), "error");
    } finally {
      header?.setBusy(false);
    }
  }

  replaceChildren(app, h("div", { class: "run-loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Loading the run…"));
  socket.start();

  (async () => {
    let first: TrainingRun;
    try {
      first = await trainingRuns.get(runId);
    } catch (err) {
      replaceChildren(app, h("div", { class: "empty" },
        h("div", { class: "empty-icon" }, "◇"), h("h3", null, "This run could not be loaded"),
        h("p", { class: "muted" }, errorMessage(err)),
        h("a", { class: "button", href: projectTabUrl(projectId, "training") }, "Back to training runs")));
      socket.stop();
      return;
    }
    header = new RunHeader(first, canManage, { cancel: () => void act("cancel"), resume: () => void act("resume") }, first.architecture);
    charts = new RunCharts(store, first.task);
    replaceChildren(app,
      header.el,
      errorBox,
      cards,
      charts.el,
      h("div", { class: "run-lower" }, log.el, h("aside", { class: "run-side" }, snapshot, params)),
    );
    if (live) header.el.querySelector(".run-badges")?.append(live);
    setRun(first);
    charts.invalidate();
    const results = await Promise.allSettled([fetchMetrics(null), fetchLog()]);
    for (const r of results) if (r.status === "rejected") toast(`Could not load the run history: ${errorMessage(r.reason)}`, "error");
    charts.invalidate();
    const held = queue ?? [];
    queue = null;
    for (const p of held) handle(p);
  })();
  window.addEventListener("pagehide", () => socket.stop());
}
