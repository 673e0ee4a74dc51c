/** "My work" on the home page: the batches assigned to me, each with its progress, due date
 *  and a Continue link that opens the labeller inside the batch. Hidden when there are none. */
import { type Batch, batches } from "../../api/batches";
import { errorMessage } from "../../api/http";
import { batchLabellerUrl, overdue } from "../../lib/batches";
import { h, replaceChildren } from "../../lib/dom";
import { formatCount } from "../../lib/format";

function batchRow(b: Batch): HTMLElement {
  const url = batchLabellerUrl(b);
  const pct = b.images ? Math.round((100 * b.done) / b.images) : 0;
  const finished = b.images > 0 && b.done >= b.images;
  const late = overdue(b);
  return h("li", { class: "work-row", "data-testid": "my-batch", "data-batch": String(b.id) },
    h("div", { class: "work-what" },
      h("b", null, b.name), h("span", { class: "muted small" }, ` · ${b.project_name}`)),
    h("div", { class: "work-progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": String(b.images), "aria-valuenow": String(b.done), "aria-label": `${b.name}: ${b.done} of ${b.images} done` },
      h("i", { style: `width:${pct}%` })),
    h("span", { class: "small work-count" }, `${formatCount(b.done)} / ${formatCount(b.images)} done`),
    h("span", { class: `small work-due${late ? " late" : ""}` }, b.due ? `${late ? "overdue · " : "due "}${b.due}` : ""),
    url && !finished
      ? h("a", { class: "button primary small", href: url, "data-testid": "my-batch-continue" }, b.done ? "Continue" : "Start")
      : h("span", { class: "pill" }, finished ? "Done" : "Empty"));
}

export async function loadMyWork(section: HTMLElement): Promise<void> {
  try {
    const { results } = await batches.mine();
    section.hidden = results.length === 0;
    const open = results.filter((b) => b.done < b.images).length;
    replaceChildren(section,
      h("header", { class: "section-head" }, h("h2", null, "My work"),
        h("span", { class: "muted small" }, open ? `${formatCount(open)} batch${open === 1 ? "" : "es"} to label` : "all done")),
      h("ul", { class: "work-list" }, results.map(batchRow)));
  } catch (err) {
    section.hidden = false;
    replaceChildren(section, h("p", { class: "msg msg-error" }, `Could not load your batches: ${errorMessage(err)}`));
  }
}
