/**
 * The version page's "Predictions and review" card: how people judged what this version
 * pre-labelled (accepted / corrected / rejected / pending as one stacked bar, and the
 * correction rate), "Pre-label…" and, for managers, "Revert pending predictions".
 */
import { review } from "../../api/annotations";
import { errorMessage } from "../../api/http";
import type { ModelVersion, ModelVersionDetail } from "../../api/models";
import { h, replaceChildren } from "../../lib/dom";
import { formatCount, plural } from "../../lib/format";
import { toast } from "../../ui/toast";
import { openPrelabelDialog } from "../widgets/autoannotate-dialog";
import type { RunsCard } from "../widgets/autoannotate-runs";
import { correctionText, PART_TEXT, reviewSegments } from "./review-stats";

export interface ReviewCardOptions {
  projectId: number;
  canManage: boolean;
  versions: () => ModelVersion[];
  runs: RunsCard;
  refresh: () => void;
}

export function reviewCard(o: ReviewCardOptions): { el: HTMLElement; set: (v: ModelVersionDetail) => void } {
  const el = h("section", { class: "card review-card", "data-testid": "review-stats" });

  async function revert(v: ModelVersionDetail, btn: HTMLButtonElement): Promise<void> {
    const n = v.review_stats?.pending ?? 0;
    if (!window.confirm(`Remove ${plural(n, "pending prediction")} made by v${v.version}? Accepted, corrected and rejected ones stay. Each removal is in the image history, so it can be undone there.`)) return;
    btn.disabled = true;
    try {
      const r = await review.revertVersion(v.id);
      toast(`Removed ${plural(r.removed, "pending prediction")} of v${v.version}.`, "ok");
      o.refresh();
    } catch (err) {
      btn.disabled = false;
      toast(`Could not revert: ${errorMessage(err)}`, "error");
    }
  }

  function set(v: ModelVersionDetail): void {
    const s = v.review_stats;
    const segs = reviewSegments(s);
    const pending = s?.pending ?? 0;
    const revertBtn = o.canManage && pending > 0
      ? h("button", { type: "button", class: "secondary small danger", "data-testid": "revert-predictions", title: "Delete every prediction of this version nobody has reviewed yet" },
        `Revert ${formatCount(pending)} pending`)
      : null;
    revertBtn?.addEventListener("click", () => void revert(v, revertBtn));
    const prelabel = o.canManage && v.status === "ready"
      ? h("button", { type: "button", class: "primary small", "data-testid": "prelabel-open",
        onclick: () => openPrelabelDialog({ projectId: o.projectId, versions: o.versions(), versionId: v.id, onStarted: (run) => o.runs.add(run) }) }, "Pre-label…")
      : null;
    replaceChildren(el,
      h("div", { class: "side-head" }, h("h3", null, "Predictions and review"),
        h("span", { class: "muted small", "data-testid": "correction-rate" }, correctionText(s)), h("span", { class: "spacer" }), revertBtn, prelabel),
      segs.length
        ? [h("div", { class: "review-bar", role: "img", "aria-label": segs.map((x) => `${PART_TEXT[x.part]} ${x.count}`).join(", ") },
            segs.map((x) => h("span", { class: `seg seg-${x.part}`, style: `width:${x.width}%`, title: `${PART_TEXT[x.part]}: ${formatCount(x.count)}` }))),
          h("ul", { class: "review-legend" }, (["accepted", "corrected", "rejected", "pending"] as const).map((part) =>
            h("li", { "data-part": part }, h("i", { class: `seg-${part}`, "aria-hidden": "true" }), PART_TEXT[part], " ",
              h("b", { "data-testid": `review-${part}` }, formatCount(s?.[part] ?? 0)))))]
        : h("p", { class: "muted small" }, v.status === "ready"
          ? "This version has not pre-labelled anything yet. Its predictions wait as “pending” until someone accepts, fixes or rejects them; the result shows here."
          : "Once the version is ready it can pre-label images."),
      o.runs.el);
  }

  return { el, set };
}
