/**
 * The New run form's data check: what a run started now would train on (images, splits,
 * classes) and, before anyone waits for a worker, why it could not give a meaningful result.
 * Errors stop the run (Start is disabled); warnings let it start.
 */
import type { TrainTask } from "../../api/common";
import { errorMessage } from "../../api/http";
import { type DataCheck, type DataIssue, type SourceChoice, trainingRuns } from "../../api/runs";
import { h, replaceChildren } from "../../lib/dom";
import { formatCount, plural } from "../../lib/format";

export interface DataCheckPanel {
  el: HTMLElement;
  /** Check the project's data for `task`: false when errors stop a run, null when a later
   *  check replaced this one (its answer no longer counts). */
  load: (task: TrainTask, from?: SourceChoice) => Promise<boolean | null>;
}

/** One problem with the data, as a list item (also on the run page). */
export function issueItem(i: DataIssue, kind: "error" | "warning" | "info"): HTMLElement {
  const icon = kind === "error" ? "✕" : kind === "warning" ? "!" : "i";
  return h("li", { class: `data-issue ${kind}`, "data-code": i.code }, h("span", { class: "data-issue-icon", "aria-hidden": "true" }, icon), i.detail);
}

/** Images left out (untagged scenes, say) are worth knowing, not a reason to worry: the
 *  server's warnings split into real warnings and such notes. */
const INFO_CODES = new Set(["left_out", "excluded"]);

export function splitNotes(all: readonly DataIssue[]): { warnings: DataIssue[]; notes: DataIssue[] } {
  return { warnings: all.filter((i) => !INFO_CODES.has(i.code)), notes: all.filter((i) => INFO_CODES.has(i.code)) };
}

function summaryText(c: DataCheck): string {
  const splits = (["train", "val", "test"] as const).map((k) => `${k} ${formatCount(c.splits[k] ?? 0)}`);
  if (c.splits.unassigned) splits.push(`no split ${formatCount(c.splits.unassigned)}`);
  return `${plural(c.images, c.source === "crops" ? "box crop" : "image")} · ${splits.join(" · ")} · ${plural(c.classes.length, "class", "classes")}`;
}

export function dataCheckPanel(projectId: number): DataCheckPanel {
  const el = h("div", { class: "data-check", "data-testid": "data-check", "aria-live": "polite" });
  let seq = 0;
  const load = async (task: TrainTask, from?: SourceChoice): Promise<boolean | null> => {
    const mine = ++seq;
    el.dataset.state = "loading";
    replaceChildren(el, h("p", { class: "muted small" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Checking the data…"));
    try {
      const c = await trainingRuns.check(projectId, task, from);
      if (mine !== seq) return null;
      const { warnings, notes } = splitNotes(c.warnings);
      el.dataset.state = c.errors.length ? "error" : warnings.length ? "warning" : "ok";
      replaceChildren(el,
        h("p", { class: "data-summary small" }, h("b", null, "Trains on "), summaryText(c)),
        c.errors.length || warnings.length
          ? null
          : h("p", { class: "muted small data-ok" }, `✓ Enough labelled ${c.source === "crops" ? "crops" : "images"} in every class, with validation ${c.source === "crops" ? "crops" : "images"} to score on.`),
        c.errors.length || c.warnings.length
          ? h("ul", { class: "data-issues" }, c.errors.map((i) => issueItem(i, "error")), warnings.map((i) => issueItem(i, "warning")), notes.map((i) => issueItem(i, "info")))
          : null);
      return c.ok;
    } catch (err) {
      if (mine !== seq) return null;
      el.dataset.state = "unknown";
      replaceChildren(el, h("p", { class: "muted small" }, `Could not check the data: ${errorMessage(err)}`));
      return true; // the server checks again when the run starts
    }
  };
  return { el, load };
}
