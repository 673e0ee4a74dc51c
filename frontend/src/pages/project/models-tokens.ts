/**
 * Service tokens (owners): keys for production clients that may call this project's predict
 * API and nothing else. The key is shown once, with a copy button and a curl example.
 */
import { errorMessage } from "../../api/http";
import { projectPredictPath } from "../../api/models";
import { type ServiceToken, type ServiceTokenCreated, serviceTokens } from "../../api/tokens";
import { h, replaceChildren } from "../../lib/dom";
import { relativeTime } from "../../lib/format";
import { messageArea, toast } from "../../ui/toast";
import type { ProjectContext } from "./context";

function curlExample(origin: string, projectId: number, key: string): string {
  return `curl -H "Authorization: Token ${key}" \\\n  -F image=@photo.jpg \\\n  ${origin}${projectPredictPath(projectId)}`;
}

async function copy(text: string, btn: HTMLButtonElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    btn.textContent = "Copied";
    window.setTimeout(() => (btn.textContent = "Copy"), 1500);
  } catch {
    toast("Copy failed: select the text and copy it by hand.", "error");
  }
}

export function tokensCard(ctx: ProjectContext): HTMLElement {
  const msg = messageArea();
  const name = h("input", { name: "name", placeholder: "Token name, e.g. shop-backend", maxlength: "100", autocomplete: "off", "aria-label": "Token name", "data-testid": "token-name" });
  const reveal = h("div", { class: "token-reveal", hidden: true, "data-testid": "token-reveal" });
  const list = h("tbody");
  let tokens: ServiceToken[] = [];

  function showKey(t: ServiceTokenCreated): void {
    const keyBtn = h("button", { type: "button", class: "secondary small", onclick: () => void copy(t.key, keyBtn) }, "Copy");
    const example = curlExample(window.location.origin, ctx.projectId, t.key);
    const curlBtn = h("button", { type: "button", class: "ghost small", onclick: () => void copy(example, curlBtn) }, "Copy");
    replaceChildren(reveal,
      h("p", { class: "small" }, h("b", null, `“${t.name}” created.`), " Copy the key now: it is not stored and cannot be shown again."),
      h("div", { class: "key-row" }, h("code", { class: "token-key", "data-testid": "token-key" }, t.key), keyBtn),
      h("div", { class: "curl-head" }, h("span", { class: "muted small" }, "Predict with the production model:"), h("span", { class: "spacer" }), curlBtn),
      h("pre", { class: "curl", "data-testid": "token-curl" }, example),
      h("button", { type: "button", class: "link small", onclick: () => { reveal.hidden = true; replaceChildren(reveal); } }, "I have saved it — hide"));
    reveal.hidden = false;
  }

  function render(): void {
    replaceChildren(list, tokens.length
      ? tokens.map((t) => h("tr", { "data-testid": "token-row", class: t.revoked_at ? "revoked" : "" },
        h("td", null, h("b", null, t.name), h("div", { class: "mono muted small" }, `${t.prefix}…`)),
        h("td", { class: "small muted" }, t.revoked_at ? `revoked ${relativeTime(t.revoked_at)}` : t.last_used_at ? `used ${relativeTime(t.last_used_at)}` : "never used",
          h("div", null, `by ${t.created_by ?? "?"}, ${relativeTime(t.created_at)}`)),
        h("td", { class: "row-actions" }, t.revoked_at ? null
          : h("button", { type: "button", class: "ghost small danger", onclick: () => void revoke(t) }, "Revoke"))))
      : h("tr", null, h("td", { colspan: "3", class: "empty-row" }, "No service tokens yet.")));
  }

  async function revoke(t: ServiceToken): Promise<void> {
    if (!window.confirm(`Revoke “${t.name}”? Clients using it get 401 from now on.`)) return;
    msg.clear();
    try {
      const fresh = await serviceTokens.revoke(t.id);
      tokens = tokens.map((x) => (x.id === t.id ? { ...x, ...fresh, revoked_at: fresh?.revoked_at ?? new Date().toISOString() } : x));
      render();
    } catch (err) {
      msg.show(errorMessage(err));
    }
  }

  const form = h("form", { class: "token-form" }, name, h("button", { type: "submit", class: "primary small" }, "Create token"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    if (!name.value.trim()) return msg.show("Name the token after the client that will use it.");
    try {
      const t = await serviceTokens.create(ctx.projectId, name.value.trim());
      const { key: _key, ...row } = t;
      tokens = [row, ...tokens];
      name.value = "";
      render();
      showKey(t);
    } catch (err) {
      msg.show(errorMessage(err));
    }
  });

  serviceTokens.list(ctx.projectId).then(
    (page) => {
      tokens = page.results;
      render();
    },
    (err) => msg.show(`Could not load tokens: ${errorMessage(err)}`),
  );
  render();
  return h("section", { class: "card tokens", "data-testid": "service-tokens" },
    h("div", { class: "side-head" }, h("h3", null, "Service tokens")),
    h("p", { class: "muted small" }, "For production clients: a token may call this project's predict API and nothing else."),
    form, msg.el, reveal,
    h("table", { class: "table tokens-table" }, list));
}
