/** Side panel: who is in this project right now and on which image. */
import { h, replaceChildren } from "../../lib/dom";
import { avatarColor, initials, type PresenceUser } from "../../labeller/realtime/presence";

export class PeopleList {
  readonly el: HTMLElement;
  private readonly list = h("ul", { class: "people", "data-testid": "presence", "aria-label": "People in this project" });

  constructor(private readonly me: string, private readonly open: (imageId: number) => void) {
    this.el = h("section", { class: "lab-section" }, h("h3", null, "People"), this.list);
    this.list.addEventListener("click", (e) => {
      const a = (e.target as HTMLElement).closest<HTMLElement>("[data-goto]");
      if (!a) return;
      e.preventDefault();
      this.open(Number(a.dataset.goto));
    });
    this.set([], null);
  }

  set(users: PresenceUser[], currentImage: number | null): void {
    if (users.length === 0) {
      replaceChildren(this.list, h("li", { class: "muted small" }, "Only you, as far as we know."));
      return;
    }
    replaceChildren(this.list, users.map((u) => {
      const here = u.image !== null && u.image === currentImage;
      const where = here
        ? h("span", { class: "where here" }, "this image")
        : u.image !== null
          ? h("a", { class: "where", href: "#", "data-goto": String(u.image), title: "Open that image" }, `image #${u.image}`)
          : h("span", { class: "where muted" }, "project page");
      return h("li", { class: `presence-user${here ? " here" : ""}`, "data-testid": "presence-user", "data-user": u.user, "data-image": u.image === null ? "" : String(u.image) },
        h("span", { class: "avatar-dot", style: `--c:${avatarColor(u.user)}` }, initials(u.user)),
        h("span", { class: "who" }, u.user, u.user === this.me ? h("span", { class: "muted" }, " (you)") : null),
        where);
    }));
  }
}
