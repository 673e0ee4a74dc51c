/** The cumulative result of an upload: counts, duplicates by name, errors with details. */
import type { UploadResult } from "../../api/images";
import { h, replaceChildren } from "../../lib/dom";
import { plural } from "../../lib/format";
import type { ProjectContext } from "./context";

export interface ResultOptions {
  running: boolean;
  ctx: ProjectContext;
  cancelled?: boolean;
  retry?: (() => void) | undefined;
  retryCount?: number;
}

export function renderResult(el: HTMLElement, r: UploadResult, opts: ResultOptions): void {
  const stat = (cls: string, text: string, testid: string): HTMLElement =>
    h("span", { class: `stat-chip ${cls}`, "data-testid": testid }, text);
  const head = h("div", { class: "result-head" },
    h("h3", null, opts.running ? "Uploading…" : opts.cancelled ? "Upload cancelled" : "Upload finished"),
    h("div", { class: "result-stats" },
      stat("ok", `${plural(r.created.length, "image")} created`, "upload-created"),
      stat(r.duplicates.length ? "warn" : "quiet", plural(r.duplicates.length, "duplicate"), "upload-duplicates"),
      stat(r.errors.length ? "err" : "quiet", plural(r.errors.length, "error"), "upload-errors"),
    ),
  );
  const sections: HTMLElement[] = [];
  if (r.labels_created.length) {
    sections.push(h("p", { class: "small" }, "New labels from folder names: ",
      r.labels_created.map((n) => h("span", { class: "chip plain" }, n))));
  }
  if (r.errors.length) {
    sections.push(h("div", { class: "result-section" },
      h("h4", null, "Not imported"),
      h("ul", { class: "issue-list err" }, r.errors.map((e) =>
        h("li", null, h("span", { class: "file" }, e.file || "—"), h("span", { class: "detail" }, e.detail))))));
  }
  if (r.duplicates.length) {
    const many = r.duplicates.length > 12;
    const list = h("ul", { class: "issue-list warn" }, r.duplicates.map((d) =>
      h("li", null, h("span", { class: "file" }, d.file),
        h("span", { class: "detail" }, d.same_as && d.same_as !== d.file
          ? `already in the project as ${d.same_as}`
          : "already in the project"))));
    sections.push(many
      ? h("details", { class: "result-section" }, h("summary", null, `Skipped ${plural(r.duplicates.length, "duplicate")} (same content already uploaded)`), list)
      : h("div", { class: "result-section" }, h("h4", null, "Skipped duplicates (same content already uploaded)"), list));
  }
  const actions = h("div", { class: "actions" },
    !opts.running && r.created.length
      ? h("button", { type: "button", class: "secondary", onclick: () => opts.ctx.showTab("images") }, "View images")
      : null,
    opts.retry
      ? h("button", { type: "button", class: "secondary", onclick: opts.retry }, `Retry ${plural(opts.retryCount ?? 0, "file")}`)
      : null,
  );
  replaceChildren(el, head, sections, actions.childElementCount ? actions : null);
}
