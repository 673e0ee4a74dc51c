/** Labels tab: list with colour, name and hotkey; add, edit inline and delete for managers. */
import { errorMessage } from "../../api/http";
import { type Label, type LabelInput, labels } from "../../api/labels";
import { h, replaceChildren } from "../../lib/dom";
import { plural } from "../../lib/format";
import { messageArea } from "../../ui/toast";
import type { ProjectContext } from "./context";

const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324", "#ffe119", "#800000", "#aaffc3"];

export function nextColor(used: readonly string[]): string {
  const taken = new Set(used.map((c) => c.toLowerCase()));
  return PALETTE.find((c) => !taken.has(c)) ?? PALETTE[used.length % PALETTE.length]!;
}

export function mountLabels(root: HTMLElement, ctx: ProjectContext): void {
  const msg = messageArea();
  const table = h("tbody");
  let editing: number | null = null;

  const name = h("input", { name: "name", required: true, maxlength: "100", placeholder: "Label name", autocomplete: "off", "aria-label": "Label name" });
  const color = h("input", { name: "color", type: "color", value: nextColor([]), "aria-label": "Colour" });
  const hotkey = h("input", { name: "hotkey", maxlength: "1", class: "hotkey-input", placeholder: "key", "aria-label": "Hotkey (one letter or digit)" });
  const addForm = h("form", { class: "inline-form card", "data-testid": "label-form" },
    color, name, hotkey, h("button", { class: "primary", type: "submit" }, "Add label"));
  addForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    const body = { name: name.value.trim(), color: color.value, hotkey: hotkey.value.trim() };
    if (!body.name) return msg.show("Give the label a name.");
    try {
      const label = await labels.create(ctx.projectId, body);
      ctx.labels.set([...ctx.labels.list, label]);
      name.value = "";
      hotkey.value = "";
      color.value = nextColor(ctx.labels.list.map((l) => l.color));
      name.focus();
    } catch (err) {
      msg.show(errorMessage(err));
    }
  });

  const save = async (label: Label, body: Partial<LabelInput>): Promise<void> => {
    msg.clear();
    try {
      const fresh = await labels.update(ctx.projectId, label.id, body);
      editing = null;
      ctx.labels.set(ctx.labels.list.map((l) => (l.id === fresh.id ? fresh : l)));
    } catch (err) {
      msg.show(errorMessage(err));
    }
  };

  const remove = async (label: Label): Promise<void> => {
    if (!window.confirm(`Delete the label "${label.name}"?`)) return;
    msg.clear();
    try {
      await labels.remove(ctx.projectId, label.id);
      ctx.labels.set(ctx.labels.list.filter((l) => l.id !== label.id));
    } catch (err) {
      msg.show(errorMessage(err));
    }
  };

  const viewRow = (l: Label): HTMLElement =>
    h("tr", { "data-label-id": String(l.id) },
      h("td", { class: "swatch-cell" }, h("span", { class: "swatch", style: `background:${l.color}`, title: l.color })),
      h("td", { class: "strong" }, l.name),
      h("td", null, l.hotkey ? h("kbd", null, l.hotkey) : h("span", { class: "muted" }, "—")),
      h("td", { class: "muted mono small" }, l.color),
      ctx.canManage
        ? h("td", { class: "row-actions" },
            h("button", { type: "button", class: "ghost small", onclick: () => { editing = l.id; render(ctx.labels.list); } }, "Edit"),
            h("button", { type: "button", class: "ghost small danger", onclick: () => void remove(l) }, "Delete"))
        : null,
    );

  const editRow = (l: Label): HTMLElement => {
    const c = h("input", { type: "color", value: l.color, "aria-label": "Colour" });
    const n = h("input", { value: l.name, maxlength: "100", "aria-label": "Label name" });
    const k = h("input", { value: l.hotkey, maxlength: "1", class: "hotkey-input", "aria-label": "Hotkey" });
    const submit = (): void => void save(l, { name: n.value.trim(), color: c.value, hotkey: k.value.trim() });
    const onKey = (e: Event): void => {
      const key = (e as KeyboardEvent).key;
      if (key === "Enter") submit();
      if (key === "Escape") { e.stopPropagation(); editing = null; render(ctx.labels.list); }
    };
    n.addEventListener("keydown", onKey);
    k.addEventListener("keydown", onKey);
    queueMicrotask(() => n.focus());
    return h("tr", { class: "editing" },
      h("td", { class: "swatch-cell" }, c), h("td", null, n), h("td", null, k), h("td", null),
      h("td", { class: "row-actions" },
        h("button", { type: "button", class: "primary small", onclick: submit }, "Save"),
        h("button", { type: "button", class: "ghost small", onclick: () => { editing = null; render(ctx.labels.list); } }, "Cancel")));
  };

  const count = h("span", { class: "muted small" });
  function render(list: Label[]): void {
    count.textContent = plural(list.length, "label");
    replaceChildren(table, list.length
      ? list.map((l) => (editing === l.id ? editRow(l) : viewRow(l)))
      : h("tr", null, h("td", { colspan: "5", class: "empty-row" }, ctx.canManage ? "No labels yet — add the first one above." : "No labels yet.")));
  }
  ctx.labels.subscribe(render);

  replaceChildren(root,
    h("div", { class: "section-head" }, h("h2", null, "Labels"), count),
    ctx.canManage ? addForm : null,
    msg.el,
    h("table", { class: "table", "data-testid": "label-table" },
      h("thead", null, h("tr", null, h("th", { class: "swatch-cell" }, ""), h("th", null, "Name"), h("th", { class: "col-key" }, "Hotkey"), h("th", { class: "col-color" }, "Colour"), ctx.canManage ? h("th", { class: "col-actions" }, "") : null)),
      table),
  );
  render(ctx.labels.list);
  ctx.labels.load().then((list) => color.value = nextColor(list.map((l) => l.color)), (err) => msg.show(`Could not load labels: ${errorMessage(err)}`));
}
