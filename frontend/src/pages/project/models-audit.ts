/** The registry's audit trail: every stage change, newest first (who, when, from -> to, why). */
import * as api from "../../api/client";
import { errorMessage } from "../../api/http";
import type { StageTransition } from "../../api/types";
import { h, replaceChildren } from "../../lib/dom";
import { plural, relativeTime } from "../../lib/format";
import { stageBadge } from "../models/ui";
import type { ProjectContext } from "./context";

const SHOWN = 12;

export function transitionItem(t: StageTransition, projectId: number | null): HTMLElement {
  const when = new Date(t.created_at);
  return h("li", { class: "audit-item", "data-testid": "audit-row", "data-version": String(t.version) },
    h("div", { class: "audit-line" },
      projectId === null ? h("b", null, `v${t.version}`) : h("a", { class: "strong", href: api.modelUrl(projectId, t.model_version) }, `v${t.version}`),
      stageBadge(t.from_stage, "audit-from"), h("span", { class: "arrow", "aria-hidden": "true" }, "→"), stageBadge(t.to_stage, "audit-to"),
      h("span", { class: "spacer" }),
      h("span", { class: "muted small" }, t.user ?? "someone", " · ", h("time", { datetime: t.created_at, title: when.toLocaleString() }, relativeTime(t.created_at)))),
    h("p", { class: "audit-reason" }, t.reason));
}

export function mountAudit(ctx: ProjectContext): { el: HTMLElement; reload: () => void } {
  const list = h("ol", { class: "audit-list", "data-testid": "audit-list" });
  const count = h("span", { class: "muted small" });
  const more = h("button", { type: "button", class: "link small", hidden: true }, "");
  let rows: StageTransition[] = [];
  let all = false;
  let timer = 0;

  function render(): void {
    count.textContent = rows.length ? plural(rows.length, "change") : "";
    const shown = all ? rows : rows.slice(0, SHOWN);
    replaceChildren(list, shown.length
      ? shown.map((t) => transitionItem(t, ctx.projectId))
      : h("li", { class: "muted small audit-empty" }, "No stage changes yet. Promotions, archivals and rollbacks are listed here with their reason."));
    more.hidden = rows.length <= SHOWN;
    more.textContent = all ? "Show fewer" : `Show all ${rows.length}`;
  }

  async function load(): Promise<void> {
    try {
      rows = (await api.modelVersions.transitions(ctx.projectId)).results;
      render();
    } catch (err) {
      replaceChildren(list, h("li", { class: "msg msg-error" }, `Could not load the audit trail: ${errorMessage(err)}`));
    }
  }

  more.addEventListener("click", () => {
    all = !all;
    render();
  });
  void load();
  const el = h("section", { class: "card audit", "data-testid": "audit-trail" },
    h("div", { class: "side-head" }, h("h3", null, "Audit trail"), count, h("span", { class: "spacer" }), more),
    list);
  return {
    el,
    // Several events arrive together (a promotion archives the old version): refetch once.
    reload: () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void load(), 150);
    },
  };
}
