/**
 * The Images tab's "Assign" panel (managers): split the images matching the grid's filters
 * that are in no batch yet among chosen annotators (in batches of N, or one even batch each,
 * with an optional due date and a number of gold checks mixed into each), or send them to
 * every ticked person for consensus (each labels all of them blind); and the project's
 * batches: reassign, unassign, open in the labeller or delete (a batch's images and labels
 * stay). Follows `batch.*` socket events.
 */
import { type Batch, batches } from "../../api/batches";
import { errorMessage } from "../../api/http";
import { quality } from "../../api/quality";
import { members as membersApi, type Member } from "../../api/members";
import { batchLabellerUrl, overdue } from "../../lib/batches";
import { h, option, replaceChildren } from "../../lib/dom";
import { formatCount, plural } from "../../lib/format";
import { filterParams, type ImageFilters } from "../../lib/query";
import type { ProjectContext } from "./context";

/** The grid's filters as the split's `filter` body (the order is not a filter). */
export function splitFilter(filters: ImageFilters): Record<string, string> {
  const q = filterParams(filters);
  q.delete("order");
  return Object.fromEntries(q);
}

export class AssignPanel {
  readonly el: HTMLElement;
  private people: Member[] = [];
  private readonly who = h("div", { class: "assign-people", "data-testid": "assign-people" });
  private readonly size = h("input", { type: "number", name: "batch_size", min: "1", max: "10000", placeholder: "even", "aria-label": "Images per batch" });
  private readonly due = h("input", { type: "date", name: "due", "aria-label": "Due date" });
  private readonly limit = h("input", { type: "number", name: "limit", min: "1", max: "10000", placeholder: "all", "aria-label": "At most this many images" });
  private readonly gold = h("input", { type: "number", name: "gold", min: "0", max: "50", value: "0", "aria-label": "Gold checks per batch" });
  private readonly msg = h("p", { class: "msg", role: "status", hidden: true });
  private readonly table = h("tbody");

  constructor(private readonly ctx: ProjectContext, private readonly filters: () => ImageFilters) {
    const go = h("button", { type: "button", class: "primary", "data-testid": "assign-go", onclick: () => void this.assign(go) }, "Assign");
    const everyone = h("button", { type: "button", class: "secondary", "data-testid": "assign-consensus", onclick: () => void this.consensus(everyone),
      title: "Every ticked person labels every one of these images, without seeing the others' labels; a reviewer then merges them (Team tab)" }, "Send to each (consensus)");
    this.el = h("section", { class: "assign-panel", "data-testid": "assign-panel", hidden: true },
      h("h3", null, "Assign images"),
      h("p", { class: "muted small" }, "The images matching the filters above that are in no batch yet (in the grid’s order, at most the number given) go to the people ticked, in batches they find under “My work”; their Next stays inside the batch. Or send the filtered images to each ticked person for consensus: everyone labels all of them without seeing the others’ labels."),
      this.who,
      h("div", { class: "assign-row" },
        h("label", { title: "Taken in the grid's order: sort by Uniqueness to hand out the N most unique" }, "At most", this.limit),
        h("label", null, "Images per batch", this.size),
        h("label", null, "Due", this.due),
        h("label", { title: "Gold images (with reference labels) added to each batch unannounced; the annotator's labels of them are scored on the Team tab" }, "Gold checks per batch", this.gold),
        go, everyone),
      this.msg,
      h("table", { class: "batch-table", "data-testid": "batch-table" },
        h("thead", null, h("tr", null, ...["Batch", "Assignee", "Done", "Due", ""].map((t) => h("th", null, t)))),
        this.table));
    ctx.socket.on("batch.changed", () => void this.refresh());
    ctx.socket.on("batch.deleted", () => void this.refresh());
  }

  toggle(): void {
    this.el.hidden = !this.el.hidden;
    if (!this.el.hidden) void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.people = (await membersApi.list(this.ctx.projectId)).results;
      replaceChildren(this.who, this.people.map((m) =>
        h("label", null, h("input", { type: "checkbox", value: m.username, "data-testid": "assign-person" }), m.username,
          h("span", { class: "muted small" }, ` ${m.role}`))));
      await this.refresh();
    } catch (err) {
      this.say(`Could not load the members: ${errorMessage(err)}`, true);
    }
  }

  private say(text: string, error = false): void {
    Object.assign(this.msg, { hidden: false, textContent: text, className: `msg ${error ? "msg-error" : "msg-ok"}` });
  }

  private async assign(button: HTMLButtonElement): Promise<void> {
    const assignees = [...this.who.querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value);
    if (!assignees.length) return this.say("Tick at least one person.", true);
    button.disabled = true;
    try {
      const made = (await batches.split(this.ctx.projectId, {
        assignees, filter: splitFilter(this.filters()), order: this.filters().order ?? "id",
        limit: this.limit.value ? Number(this.limit.value) : undefined,
        size: this.size.value ? Number(this.size.value) : null, due: this.due.value || null,
        gold: Number(this.gold.value) || 0,
      })).results;
      const images = made.reduce((n, b) => n + b.images, 0);
      this.say(`${plural(images, "image")} in ${plural(made.length, "batch", "batches")}: ${made.map((b) => `${b.name} → ${b.assignee}`).join(", ")}.`);
      await this.refresh();
    } catch (err) {
      this.say(errorMessage(err), true);
    } finally {
      button.disabled = false;
    }
  }

  private async consensus(button: HTMLButtonElement): Promise<void> {
    const annotators = [...this.who.querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value);
    if (annotators.length < 2) return this.say("Tick at least two people: each labels every image on their own.", true);
    button.disabled = true;
    try {
      const sent = await quality.send(this.ctx.projectId, { annotators, filter: splitFilter(this.filters()), due: this.due.value || null });
      this.say(`Sent to ${annotators.join(", ")} for consensus in ${plural(sent.batches.length, "batch", "batches")}${sent.skipped ? ` (${plural(sent.skipped, "image")} left out: labelled blind by that person before)` : ""}. Compare and merge on the Team tab.`);
      await this.refresh();
    } catch (err) {
      this.say(errorMessage(err), true);
    } finally {
      button.disabled = false;
    }
  }

  private async refresh(): Promise<void> {
    if (this.el.hidden) return;
    try {
      const rows = (await batches.ofProject(this.ctx.projectId)).results;
      replaceChildren(this.table, rows.length ? rows.map((b) => this.row(b))
        : h("tr", null, h("td", { colspan: "5", class: "muted small" }, "No batches yet.")));
    } catch (err) {
      this.say(`Could not load the batches: ${errorMessage(err)}`, true);
    }
  }

  private row(b: Batch): HTMLElement {
    const who = h("select", { "aria-label": `Assignee of ${b.name}`, "data-testid": "batch-assignee" },
      option("", "Nobody"), this.people.map((m) => option(m.username, m.username, m.username === b.assignee)));
    who.value = b.assignee ?? "";
    who.addEventListener("change", () => {
      batches.update(b.id, { assignee: who.value || null }).then(() => this.refresh(), (err) => this.say(errorMessage(err), true));
    });
    const url = batchLabellerUrl(b);
    const remove = h("button", { type: "button", class: "secondary small", onclick: () => {
      if (!window.confirm(`Delete ${b.name}? Its ${plural(b.images, "image")} and their labels stay, in no batch.`)) return;
      batches.remove(b.id).then(() => this.refresh(), (err) => this.say(errorMessage(err), true));
    } }, "Delete");
    return h("tr", { "data-testid": "batch-row", "data-batch": String(b.id) },
      h("td", null, b.name),
      h("td", null, who),
      h("td", { class: "num" }, `${formatCount(b.done)} / ${formatCount(b.images)}`),
      h("td", { class: overdue(b) ? "work-due late" : "" }, b.due ?? ""),
      h("td", null, url ? h("a", { href: url }, "Open") : null, " ", remove));
  }
}
