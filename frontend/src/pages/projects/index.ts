/** "/" — the user's projects as cards, and the new-project form. */
import { errorMessage } from "../../api/http";
import { type Project, projects } from "../../api/projects";
import { byId, h, replaceChildren } from "../../lib/dom";
import { humanize, plural, relativeTime } from "../../lib/format";
import { projectUrl } from "../../lib/urls";
import { loadMyWork } from "./my-work";

function projectCard(p: Project): HTMLElement {
  return h(
    "a",
    { class: "project-card", href: projectUrl(p.id), "data-testid": "project-card" },
    h("div", { class: "project-card-top" },
      h("span", { class: "project-avatar", "aria-hidden": "true" }, (p.name.trim()[0] ?? "?").toUpperCase()),
      h("h3", null, p.name),
    ),
    h("p", { class: "desc" }, p.description || h("span", { class: "muted" }, "No description")),
    h("div", { class: "project-card-foot" },
      h("span", null, plural(p.image_count ?? 0, "image")),
      p.role ? h("span", { class: `pill role-${p.role}` }, humanize(p.role)) : null,
      h("span", { class: "muted small push" }, relativeTime(p.created_at)),
    ),
  );
}

function emptyState(): HTMLElement {
  return h("div", { class: "empty" },
    h("div", { class: "empty-icon", "aria-hidden": "true" }, "◇"),
    h("h3", null, "No projects yet"),
    h("p", { class: "muted" },
      "Create one with the form — or ask a project owner to add you as a member."),
  );
}

async function loadList(list: HTMLElement, count: HTMLElement | null): Promise<void> {
  try {
    const { results } = await projects.list();
    list.setAttribute("aria-busy", "false");
    if (count) count.textContent = results.length ? plural(results.length, "project") : "";
    replaceChildren(list, results.length ? results.map(projectCard) : emptyState());
  } catch (err) {
    list.setAttribute("aria-busy", "false");
    replaceChildren(list, h("p", { class: "msg msg-error" }, `Could not load projects: ${errorMessage(err)}`));
  }
}

function bindForm(form: HTMLFormElement): void {
  const msg = form.querySelector<HTMLElement>(".msg");
  const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const name = String(data.get("name") ?? "").trim();
    const description = String(data.get("description") ?? "").trim();
    if (!name) {
      if (msg) Object.assign(msg, { hidden: false, textContent: "Give the project a name.", className: "msg msg-error" });
      form.querySelector<HTMLInputElement>("input[name=name]")?.focus();
      return;
    }
    if (button) button.disabled = true;
    try {
      const project = await projects.create({ name, description });
      window.location.assign(projectUrl(project.id));
    } catch (err) {
      if (msg) Object.assign(msg, { hidden: false, textContent: errorMessage(err), className: "msg msg-error" });
      if (button) button.disabled = false;
    }
  });
}

export function mountProjects(): void {
  const list = byId("project-list");
  const form = byId<HTMLFormElement>("new-project-form");
  if (form) bindForm(form);
  if (list) void loadList(list, byId("project-count"));
  const work = byId("my-work");
  if (work) void loadMyWork(work);
}
