/** One stage change of a model version (who, when, from -> to, why), for the audit trail and the version page. */
import type { StageTransition } from "../../api/models";
import { h } from "../../lib/dom";
import { relativeTime } from "../../lib/format";
import { modelUrl } from "../../lib/urls";
import { stageBadge } from "./version-ui";

/** `projectId` null: the version is the page's own (no link to it). */
export function transitionItem(t: StageTransition, projectId: number | null): HTMLElement {
  const when = new Date(t.created_at);
  return h("li", { class: "audit-item", "data-testid": "audit-row", "data-version": String(t.version) },
    h("div", { class: "audit-line" },
      projectId === null ? h("b", null, `v${t.version}`) : h("a", { class: "strong", href: modelUrl(projectId, t.model_version) }, `v${t.version}`),
      stageBadge(t.from_stage, "audit-from"), h("span", { class: "arrow", "aria-hidden": "true" }, "→"), stageBadge(t.to_stage, "audit-to"),
      h("span", { class: "spacer" }),
      h("span", { class: "muted small" }, t.user ?? "someone", " · ", h("time", { datetime: t.created_at, title: when.toLocaleString() }, relativeTime(t.created_at)))),
    h("p", { class: "audit-reason" }, t.reason));
}
