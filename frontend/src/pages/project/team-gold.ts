/**
 * The Team tab's gold-check card (managers): each annotator's agreement with the reference
 * labels of the gold images mixed into their batches: overall figures, then a heatmap of
 * agreement per label (hover a cell for its tag accuracy, and the precision, recall and mean IoU
 * of its boxes and of its polygons and masks).
 */
import type { GoldRow, Scores } from "../../api/quality";
import { avatarColor } from "../../labeller/realtime/presence";
import { h } from "../../lib/dom";
import { percent } from "../../lib/format";
import { agreementColor, goldLabels } from "../../lib/quality";

const pct = (v: number | null): string => (v === null ? "—" : percent(v));

function detail(s: Scores): string {
  return [
    `agreement ${pct(s.agreement)}`,
    s.tag_decisions ? `tags right ${pct(s.tag_accuracy)} of ${s.tag_decisions}` : null,
    s.reference_boxes || s.boxes ? `boxes: ${s.matched} matched of ${s.reference_boxes} gold, ${s.boxes} drawn (precision ${pct(s.precision)}, recall ${pct(s.recall)}, mean IoU ${pct(s.mean_iou)})` : null,
    s.reference_shapes || s.shapes ? `polygons and masks: ${s.shapes_matched} matched of ${s.reference_shapes} gold, ${s.shapes} drawn (precision ${pct(s.shape_precision)}, recall ${pct(s.shape_recall)}, mean IoU ${pct(s.shape_mean_iou)})` : null,
  ].filter(Boolean).join("; ");
}

export function goldCard(rows: GoldRow[]): HTMLElement {
  const intro = h("p", { class: "muted small" },
    "Gold images (marked gold, with labels a person made) are mixed into batches unannounced when “Gold checks per batch” is set in the Images tab's Assign panel. ",
    "Each annotator labels them blind; their labels are scored against the gold ones: tags by accuracy, boxes matched one to one at IoU 0.5, polygons and masks by their pixels (mask IoU 0.5). Agreement is the mean of the tag accuracy, box F1 and shape F1 that apply.");
  if (!rows.length) {
    return h("section", { class: "team-chart-card gold-card", "data-testid": "gold-card" },
      h("h3", null, "Gold checks"), intro, h("p", { class: "muted" }, "No gold check has been submitted in this window yet."));
  }
  const labels = goldLabels(rows);
  const head = ["Annotator", "Checks", "Agreement", "Tags right", "Precision", "Recall", "Mean IoU", ...labels];
  const table = h("table", { class: "team-table gold-table", "data-testid": "gold-table" },
    h("thead", null, h("tr", null, head.map((t, i) => h("th", { class: i >= 7 ? "gold-label" : "" }, t)))),
    h("tbody", null, rows.map((r) => {
      const per = new Map(r.by_label.map((l) => [l.label, l]));
      return h("tr", { "data-user": r.username, "data-testid": "gold-row" },
        h("td", null, h("span", { class: "team-dot", style: `background:${avatarColor(r.username)}` }), r.username),
        h("td", { class: "num" }, String(r.checks)),
        h("td", { class: "num", title: detail(r) }, h("b", null, pct(r.agreement))),
        h("td", { class: "num" }, pct(r.tag_accuracy)),
        h("td", { class: "num" }, pct(r.precision)),
        h("td", { class: "num" }, pct(r.recall)),
        h("td", { class: "num" }, pct(r.mean_iou)),
        labels.map((name) => {
          const s = per.get(name);
          const v = s ? s.agreement : null;
          return h("td", { class: "gold-cell", style: `background:${agreementColor(v)}`, title: s ? `${name}: ${detail(s)}` : `${name}: not on their gold images`, "data-testid": "gold-cell" }, pct(v));
        }));
    })));
  return h("section", { class: "team-chart-card gold-card", "data-testid": "gold-card" },
    h("h3", null, "Gold checks"), intro, table);
}
