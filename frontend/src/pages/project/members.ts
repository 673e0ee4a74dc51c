/** Members tab: who is in the project with which role; owners add, re-role and remove. */
import { errorMessage } from "../../api/http";
import { type Member, members as membersApi } from "../../api/members";
import { type Role, ROLES } from "../../api/projects";
import { h, option, replaceChildren } from "../../lib/dom";
import { humanize, plural, relativeTime } from "../../lib/format";
import { messageArea } from "../../ui/toast";
import type { ProjectContext } from "./context";

export function mountMembers(root: HTMLElement, ctx: ProjectContext): void {
  const msg = messageArea();
  const body = h("tbody");
  const count = h("span", { class: "muted small" });
  let members: Member[] = [];

  const roleSelect = (value: Role): HTMLSelectElement => {
    const sel = h("select", { "aria-label": "Role" }, ROLES.map((r) => option(r, humanize(r))));
    sel.value = value;
    return sel;
  };

  const username = h("input", { name: "username", required: true, placeholder: "Username", autocomplete: "off", "aria-label": "Username" });
  const newRole = roleSelect("annotator");
  const form = h("form", { class: "inline-form card", "data-testid": "member-form" },
    username, newRole, h("button", { class: "primary", type: "submit" }, "Add member"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    if (!username.value.trim()) return msg.show("Enter a username.");
    try {
      const m = await membersApi.add(ctx.projectId, { username: username.value.trim(), role: newRole.value as Role });
      members = [...members, m];
      username.value = "";
      render();
      msg.show(`${m.username} added as ${m.role}.`, "ok");
    } catch (err) {
      msg.show(errorMessage(err));
    }
  });

  const change = async (m: Member, role: Role, sel: HTMLSelectElement): Promise<void> => {
    msg.clear();
    try {
      const fresh = await membersApi.setRole(ctx.projectId, m.id, role);
      members = members.map((x) => (x.id === fresh.id ? fresh : x));
      msg.show(`${fresh.username} is now ${fresh.role}.`, "ok");
    } catch (err) {
      sel.value = m.role;
      msg.show(errorMessage(err));
    }
  };

  const remove = async (m: Member): Promise<void> => {
    if (!window.confirm(`Remove ${m.username} from this project?`)) return;
    msg.clear();
    try {
      await membersApi.remove(ctx.projectId, m.id);
      members = members.filter((x) => x.id !== m.id);
      render();
    } catch (err) {
      msg.show(errorMessage(err));
    }
  };

  const row = (m: Member): HTMLElement => {
    let roleCell: HTMLElement;
    if (ctx.isOwner) {
      const sel = roleSelect(m.role);
      sel.addEventListener("change", () => void change(m, sel.value as Role, sel));
      roleCell = sel;
    } else {
      roleCell = h("span", { class: `pill role-${m.role}` }, humanize(m.role));
    }
    return h("tr", { "data-member-id": String(m.id) },
      h("td", null, h("span", { class: "avatar", "aria-hidden": "true" }, (m.username[0] ?? "?").toUpperCase()), " ",
        h("span", { class: "strong" }, m.username), m.username === ctx.username ? h("span", { class: "muted small" }, " (you)") : null),
      h("td", null, roleCell),
      h("td", { class: "muted small" }, relativeTime(m.created_at)),
      ctx.isOwner ? h("td", { class: "row-actions" }, h("button", { type: "button", class: "ghost small danger", onclick: () => void remove(m) }, "Remove")) : null,
    );
  };

  function render(): void {
    count.textContent = plural(members.length, "member");
    replaceChildren(body, members.length ? members.map(row) : h("tr", null, h("td", { colspan: "4", class: "empty-row" }, "No members.")));
  }

  replaceChildren(root,
    h("div", { class: "section-head" }, h("h2", null, "Members"), count),
    ctx.isOwner ? form : h("p", { class: "muted small" }, "Only owners can add or remove members."),
    msg.el,
    h("table", { class: "table", "data-testid": "member-table" },
      h("thead", null, h("tr", null, h("th", null, "User"), h("th", { class: "col-role" }, "Role"), h("th", { class: "col-date" }, "Added"), ctx.isOwner ? h("th", { class: "col-actions" }, "") : null)),
      body),
  );
  replaceChildren(body, h("tr", null, h("td", { colspan: "4", class: "empty-row" }, "Loading…")));
  membersApi.list(ctx.projectId).then(
    (page) => { members = page.results; render(); },
    (err) => msg.show(`Could not load members: ${errorMessage(err)}`),
  );
}
