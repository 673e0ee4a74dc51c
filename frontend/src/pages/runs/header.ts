/** Run page header: identity, status, progress with step/epoch/ETA, where it runs, and actions. */
import { type TrainingRun, trainingRuns } from "../../api/runs";
import { h } from "../../lib/dom";
import { formatCount, relativeTime } from "../../lib/format";
import { modelUrl } from "../../lib/urls";
import {
  canCancel, canResume, clampProgress, elapsedSeconds, etaText, formatDuration, formatEpoch, isActive, statusText, stepText,
} from "../widgets/run-status";
import { progressBar, setProgress, setStatusBadge, statusBadge, taskPill } from "../widgets/run-ui";

export interface HeaderActions {
  cancel: () => void;
  resume: () => void;
}

export class RunHeader {
  readonly el: HTMLElement;
  private readonly status: HTMLElement;
  private readonly task: HTMLElement;
  private readonly sub: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly pct: HTMLElement;
  private readonly steps: HTMLElement;
  private readonly epochs: HTMLElement;
  private readonly eta: HTMLElement;
  private readonly elapsed: HTMLElement;
  private readonly where: HTMLElement;
  private readonly cancelBtn: HTMLButtonElement;
  private readonly resumeBtn: HTMLButtonElement;
  private readonly pkg: HTMLAnchorElement;
  private run: TrainingRun;
  /** When the current eta_seconds arrived, so the countdown can run between events. */
  private etaAt = Date.now();
  private timer = 0;

  constructor(run: TrainingRun, private readonly canManage: boolean, actions: HeaderActions, title: string) {
    this.run = run;
    this.status = statusBadge(run.status, "run-status");
    this.task = taskPill(run.task);
    this.sub = h("div", { class: "run-sub" });
    this.bar = progressBar(run, "run-progress");
    this.pct = h("b", { class: "run-pct" });
    this.steps = h("span");
    this.epochs = h("span");
    this.eta = h("span", { class: "run-eta" });
    this.elapsed = h("span");
    this.where = h("div", { class: "run-where" });
    this.cancelBtn = h("button", { type: "button", class: "secondary danger", "data-testid": "run-cancel", onclick: actions.cancel }, "■ Cancel");
    this.resumeBtn = h("button", { type: "button", class: "primary", "data-testid": "run-resume", onclick: actions.resume }, "▶ Resume");
    this.pkg = h("a", { class: "button", "data-testid": "run-package", href: trainingRuns.packageUrl(run.id), download: "" }, "⤓ Download package");
    this.el = h("div", { class: "run-top" },
      h("header", { class: "run-head" },
        h("div", { class: "run-title" },
          h("h1", null, h("span", { class: "run-id" }, `Run #${run.id}`), " ", h("span", { class: "run-arch", title: title }, run.architecture)),
          h("div", { class: "run-badges" }, this.status, this.task, this.sub)),
        h("div", { class: "run-actions" }, this.cancelBtn, this.resumeBtn, this.pkg)),
      h("div", { class: "run-progress card" },
        h("div", { class: "run-progress-row" }, this.pct, this.bar),
        h("div", { class: "run-progress-text" }, this.steps, this.epochs, this.eta, this.elapsed, h("span", { class: "spacer" }), this.where)),
    );
    this.update(run);
  }

  update(run: TrainingRun): void {
    if (run.eta_seconds !== this.run.eta_seconds || run.step !== this.run.step) this.etaAt = Date.now();
    this.run = run;
    setStatusBadge(this.status, run.status);
    setProgress(this.bar, run);
    const p = run.status === "succeeded" ? 1 : clampProgress(run.progress);
    this.pct.textContent = `${Math.floor(p * 100)}%`;
    const started = Boolean(run.total_steps || run.step);
    this.steps.textContent = started ? `step ${stepText(run.step ?? 0, run.total_steps ?? 0)}` : "";
    this.epochs.textContent = started && run.epochs ? `epoch ${formatEpoch(Math.min(run.epoch ?? 0, run.epochs))} / ${formatCount(run.epochs)}` : "";
    this.steps.hidden = !this.steps.textContent;
    this.epochs.hidden = !this.epochs.textContent;
    this.tick();
    const bits: (string | HTMLElement)[] = [];
    if (run.created_by) bits.push(`started by ${run.created_by}`);
    bits.push(relativeTime(run.created_at));
    this.sub.replaceChildren(...bits.map((b) => h("span", null, b)));
    if (run.init_from) {
      this.sub.append(h("span", null, "fine-tuned from ", h("a", { href: modelUrl(run.project, run.init_from) }, "a model version")));
    }
    if (run.model_version) {
      const mv = run.model_version;
      this.sub.append(h("span", null, "registered as ",
        h("a", { href: modelUrl(run.project, mv.id), "data-testid": "run-model-version" }, `model v${mv.version}`),
        mv.status === "ready" ? "" : ` (${mv.status === "pending" ? "preparing" : mv.status})`));
    }
    this.where.replaceChildren(
      h("span", { title: "Device" }, h("span", { class: "muted" }, "device "), h("b", { class: "mono" }, run.device || "–")),
      h("span", { title: "Worker" }, h("span", { class: "muted" }, "worker "), h("b", { class: "mono" }, run.worker || "–")),
    );
    this.cancelBtn.hidden = !(this.canManage && canCancel(run.status));
    this.resumeBtn.hidden = !(this.canManage && canResume(run.status));
    const ready = !isActive(run.status);
    this.pkg.classList.toggle("disabled", !ready);
    this.pkg.setAttribute("aria-disabled", String(!ready));
    this.pkg.title = ready ? "Snapshot manifest, params, weights, metrics CSV and log in one zip" : "Available when the run ends";
    document.title = `${statusText(run.status)} · Run #${run.id} ${run.architecture} · Labelforge`;
    if (isActive(run.status) && !this.timer) this.timer = window.setInterval(() => this.tick(), 1000);
    if (!isActive(run.status) && this.timer) {
      window.clearInterval(this.timer);
      this.timer = 0;
    }
  }

  setBusy(busy: boolean): void {
    this.cancelBtn.disabled = busy;
    this.resumeBtn.disabled = busy;
  }

  /** ETA counting down between progress events, and the elapsed time counting up. */
  private tick(): void {
    const run = this.run;
    const eta = run.eta_seconds === null || run.eta_seconds === undefined
      ? null
      : Math.max(0, run.eta_seconds - (Date.now() - this.etaAt) / 1000);
    this.eta.textContent = etaText({ ...run, eta_seconds: eta });
    this.eta.hidden = !this.eta.textContent;
    const el = elapsedSeconds(run.started_at, isActive(run.status) ? null : run.finished_at);
    this.elapsed.textContent = el === null ? "" : `${isActive(run.status) ? "elapsed" : "took"} ${formatDuration(el)}`;
    this.elapsed.hidden = !this.elapsed.textContent;
  }
}
