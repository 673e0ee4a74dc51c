/** Small DOM pieces shared by the Training tab and the run page. */
import type { TrainTask } from "../../api/common";
import type { RunStatus, TrainingRun } from "../../api/runs";
import { h } from "../../lib/dom";
import { clampProgress, statusText } from "./run-status";

export function statusBadge(status: RunStatus, testId?: string): HTMLElement {
  return h("span", { class: `run-status st-${status}`, "data-status": status, "data-testid": testId, title: `Status: ${statusText(status)}` },
    h("i", { "aria-hidden": "true" }), statusText(status));
}

export function setStatusBadge(el: HTMLElement, status: RunStatus): void {
  el.className = `run-status st-${status}`;
  el.dataset.status = status;
  el.title = `Status: ${statusText(status)}`;
  el.replaceChildren(h("i", { "aria-hidden": "true" }), statusText(status));
}

const TASK_PILLS: Record<TrainTask, [string, string]> = {
  classify: ["Image classification from tags", "Classify"],
  detect: ["Object detection from boxes", "Detect"],
  segment: ["Instance segmentation from polygons and masks", "Segment"],
  semantic: ["Semantic segmentation (a class per pixel) from polygons and masks", "Semantic"],
};

export function taskPill(task: TrainTask): HTMLElement {
  const [title, text] = TASK_PILLS[task] ?? TASK_PILLS.classify;
  return h("span", { class: `pill task-${task}`, title }, text);
}

/** A <progress> that shows indeterminate while queued and a full bar once succeeded. */
export function progressBar(run: Pick<TrainingRun, "status" | "progress">, testId?: string): HTMLProgressElement {
  const el = h("progress", { max: "1", "data-testid": testId, class: `run-bar st-${run.status}` });
  setProgress(el, run);
  return el;
}

export function setProgress(el: HTMLProgressElement, run: Pick<TrainingRun, "status" | "progress">): void {
  const p = run.status === "succeeded" ? 1 : clampProgress(run.progress);
  el.max = 1;
  el.value = p;
  el.className = `run-bar st-${run.status}`;
  el.setAttribute("aria-valuenow", String(Math.round(p * 100)));
  el.setAttribute("aria-valuemin", "0");
  el.setAttribute("aria-valuemax", "100");
  el.setAttribute("aria-label", `Progress ${Math.floor(p * 100)}%`);
}
