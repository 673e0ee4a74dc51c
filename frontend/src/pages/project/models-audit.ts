/** The registry's audit trail: every stage change, newest first (who, when, from -> to, why). */
import { errorMessage } from "../../api/http";
import { modelVersions, type StageTransition } from "../../api/models";
import { h, replaceChildren } from "../../lib/dom";
import { plural } from "../../lib/format";
import { transitionItem } from "../widgets/stage-history";
import type { ProjectContext } from "./context";

const SHOWN = 12;

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
      rows = (await modelVersions.transitions(ctx.projectId)).results;
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
