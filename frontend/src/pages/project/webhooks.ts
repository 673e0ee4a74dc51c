/**
 * Integrations tab (managers+): webhooks that POST project events to other systems, signed
 * with HMAC-SHA256 (X-Labelforge-Signature: sha256=<hex>). Create (URL + events; the secret
 * is shown once with a copy button), pause/resume, delete, "Send test", and a delivery log
 * per webhook that refreshes itself while deliveries are still pending or retrying.
 */
import { errorMessage } from "../../api/http";
import { type Webhook, WEBHOOK_EVENTS, type WebhookInput, webhooks } from "../../api/webhooks";
import { h, replaceChildren } from "../../lib/dom";
import { relativeTime } from "../../lib/format";
import { messageArea, toast } from "../../ui/toast";
import type { ProjectContext } from "./context";
import { EVENT_TEXT, normalizeEvents, resultsOf, validateWebhook } from "./webhook-rules";
import { deliveryLog } from "./webhooks-log";

async function copy(text: string, btn: HTMLButtonElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    btn.textContent = "Copied";
    window.setTimeout(() => (btn.textContent = "Copy"), 1500);
  } catch {
    toast("Copy failed: select the text and copy it by hand.", "error");
  }
}

export function mountWebhooks(root: HTMLElement, ctx: ProjectContext): void {
  let hooks: Webhook[] = [];
  let loaded = false;
  const open = new Set<number>();
  const msg = messageArea();
  const listMsg = messageArea();
  const list = h("div", { class: "webhook-list", "data-testid": "webhook-list" });
  const reveal = h("div", { class: "token-reveal", hidden: true, "data-testid": "webhook-secret" });
  const url = h("input", { type: "url", name: "url", placeholder: "https://example.com/labelforge-hook", autocomplete: "off", "aria-label": "Webhook URL", "data-testid": "webhook-url" });
  const boxes = WEBHOOK_EVENTS.map((e) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "events", value: e, checked: e === "autoannotate.finished" || e === "run.succeeded", "data-testid": `webhook-event-${e}` }),
    h("span", null, EVENT_TEXT[e], h("code", { class: "muted small" }, e))));

  function showSecret(w: Webhook): void {
    if (!w.secret) return;
    const btn = h("button", { type: "button", class: "secondary small", onclick: () => void copy(w.secret!, btn) }, "Copy");
    replaceChildren(reveal,
      h("p", { class: "small" }, h("b", null, "Webhook created."), " Copy its signing secret now: it is not shown again. Verify each delivery by computing HMAC-SHA256 of the raw body with it and comparing to ", h("code", null, "X-Labelforge-Signature: sha256=<hex>"), "."),
      h("div", { class: "key-row" }, h("code", { class: "token-key", "data-testid": "webhook-secret-value" }, w.secret), btn),
      h("button", { type: "button", class: "link small", onclick: () => { reveal.hidden = true; replaceChildren(reveal); } }, "I have saved it — hide"));
    reveal.hidden = false;
  }

  async function patchHook(w: Webhook, body: Partial<WebhookInput>): Promise<void> {
    listMsg.clear();
    try {
      const fresh = await webhooks.update(w.id, body);
      hooks = hooks.map((x) => (x.id === w.id ? { ...x, ...fresh } : x));
    } catch (err) {
      listMsg.show(errorMessage(err));
    }
    render();
  }

  async function remove(w: Webhook): Promise<void> {
    if (!window.confirm(`Delete the webhook to ${w.url}? Its delivery log goes with it.`)) return;
    try {
      await webhooks.remove(w.id);
      hooks = hooks.filter((x) => x.id !== w.id);
      render();
    } catch (err) {
      listMsg.show(errorMessage(err));
    }
  }

  function item(w: Webhook): HTMLElement {
    const log = open.has(w.id) ? deliveryLog(w.id) : null;
    const test = h("button", { type: "button", class: "secondary small", "data-testid": "webhook-test", title: "Send a “ping” delivery now" }, "Send test");
    test.addEventListener("click", async () => {
      test.disabled = true;
      try {
        await webhooks.test(w.id);
        toast("Test delivery queued.", "ok");
        open.add(w.id);
        render();
      } catch (err) {
        listMsg.show(errorMessage(err));
      } finally {
        test.disabled = false;
      }
    });
    const active = h("input", { type: "checkbox", checked: w.active, "aria-label": "Active", "data-testid": "webhook-active" });
    active.addEventListener("change", () => void patchHook(w, { active: active.checked }));
    return h("article", { class: `webhook${w.active ? "" : " paused"}`, "data-testid": "webhook-row", "data-webhook-id": String(w.id) },
      h("div", { class: "webhook-head" },
        h("label", { class: "switch", title: w.active ? "Active: deliveries are sent" : "Paused: nothing is sent" }, active, h("span", null, w.active ? "Active" : "Paused")),
        h("code", { class: "webhook-url", title: w.url }, w.url),
        h("span", { class: "spacer" }),
        test,
        h("button", { type: "button", class: "ghost small", "aria-expanded": String(open.has(w.id)), "data-testid": "webhook-log-toggle",
          onclick: () => { if (open.has(w.id)) open.delete(w.id); else open.add(w.id); render(); } }, open.has(w.id) ? "Hide deliveries" : "Deliveries"),
        h("button", { type: "button", class: "ghost small danger", "data-testid": "webhook-delete", onclick: () => void remove(w) }, "Delete")),
      h("div", { class: "chips" }, normalizeEvents(w.events).map((e) => h("span", { class: "chip plain", title: EVENT_TEXT[e] }, e)),
        h("span", { class: "muted small" }, `added ${relativeTime(w.created_at)}`)),
      log);
  }

  function render(): void {
    if (!loaded) return replaceChildren(list, h("p", { class: "muted small" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Loading webhooks…"));
    replaceChildren(list, hooks.length ? hooks.map(item)
      : h("div", { class: "empty small-empty" }, h("h3", null, "No webhooks yet"), h("p", { class: "muted" }, "Add one to tell a business system when a run finishes, a model is promoted or pre-labelling is done.")));
  }

  const form = h("form", { class: "webhook-form", novalidate: true },
    h("label", { class: "field-v" }, h("span", null, "Payload URL"), url),
    h("fieldset", { class: "event-checks" }, h("legend", null, "Events"), boxes),
    msg.el,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary small", "data-testid": "webhook-create" }, "Add webhook")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.clear();
    const events = boxes.map((b) => b.querySelector("input")!).filter((i) => i.checked).map((i) => i.value);
    const problem = validateWebhook(url.value, events);
    if (problem) return msg.show(problem);
    try {
      const w = await webhooks.create(ctx.projectId, { url: url.value.trim(), events: normalizeEvents(events), active: true });
      const { secret: _secret, ...row } = w;
      hooks = [row, ...hooks.filter((x) => x.id !== w.id)];
      url.value = "";
      render();
      showSecret(w);
    } catch (err) {
      msg.show(errorMessage(err));
    }
  });

  async function load(): Promise<void> {
    try {
      hooks = resultsOf(await webhooks.list(ctx.projectId));
      listMsg.clear();
    } catch (err) {
      listMsg.show(`Could not load webhooks: ${errorMessage(err)}`);
    }
    loaded = true;
    render();
  }

  replaceChildren(root, h("div", { class: "integrations" },
    h("section", { class: "card" }, h("div", { class: "side-head" }, h("h3", null, "Webhooks"),
      h("span", { class: "muted small" }, "JSON POSTs signed with HMAC-SHA256")), listMsg.el, list),
    h("aside", { class: "card webhook-new", "data-testid": "webhook-new" }, h("h3", null, "New webhook"), form, reveal)));
  render();
  void load();
}
