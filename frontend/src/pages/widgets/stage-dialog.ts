/**
 * The stage-change dialog: what the move does, a required reason (kept in the audit trail),
 * and the API's answer inline (403, 409 same_stage / model_not_ready) without closing.
 */
import { errorMessage } from "../../api/http";
import { type ModelVersion, modelVersions } from "../../api/models";
import { h } from "../../lib/dom";
import { messageArea } from "../../ui/toast";
import type { StageAction } from "./version-stage";
import { stageBadge } from "./version-ui";

export interface StageDialogOptions {
  version: Pick<ModelVersion, "id" | "version" | "architecture" | "stage">;
  action: StageAction;
  note: string;
  onDone: (fresh: ModelVersion) => void;
}

export function openStageDialog(o: StageDialogOptions): HTMLDialogElement {
  const msg = messageArea();
  const reason = h("textarea", {
    name: "reason", rows: "3", required: true, maxlength: "500", "data-testid": "stage-reason",
    placeholder: o.action.stage === "archived" ? "e.g. superseded by v5, kept for audits" : "e.g. +3 pts accuracy on the test split, checked by hand",
  });
  const confirm = h("button", { type: "submit", class: o.action.danger ? "secondary danger" : "primary", "data-testid": "stage-confirm" }, o.action.verb);
  const cancel = h("button", { type: "button", class: "ghost", onclick: () => dialog.close() }, "Cancel");
  const form = h("form", { class: "stage-form", method: "dialog", novalidate: true },
    h("header", { class: "dialog-head" },
      h("h2", null, `${o.action.label.replace(" to this version", "")} · v${o.version.version}`),
      h("span", { class: "mono muted small" }, o.version.architecture)),
    h("p", { class: "stage-move" }, stageBadge(o.version.stage, "dialog-from"), h("span", { class: "arrow", "aria-hidden": "true" }, "→"), stageBadge(o.action.stage, "dialog-to")),
    h("p", { class: "muted small" }, o.note),
    h("label", { class: "field-v" }, h("span", null, "Reason ", h("span", { class: "muted" }, "(required, kept in the audit trail)")), reason),
    msg.el,
    h("div", { class: "actions" }, h("span", { class: "spacer" }), cancel, confirm));
  const dialog = h("dialog", { class: "dialog stage-dialog", "data-testid": "stage-dialog", "aria-label": o.action.label }, form);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    const why = reason.value.trim();
    if (!why) {
      msg.show("Say why: the reason is kept in the audit trail.");
      reason.focus();
      return;
    }
    confirm.disabled = true;
    const label = confirm.textContent;
    confirm.textContent = "Saving…";
    try {
      const fresh = await modelVersions.promote(o.version.id, o.action.stage, why);
      dialog.close();
      o.onDone(fresh);
    } catch (err) {
      msg.show(errorMessage(err));
      confirm.disabled = false;
      confirm.textContent = label;
    }
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  reason.focus();
  return dialog;
}
