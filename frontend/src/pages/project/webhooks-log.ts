/** One webhook's delivery log: status chips, attempts, answer, error, times; refresh on demand
 * and by itself every few seconds while a delivery is pending or retrying. */
import { errorMessage } from "../../api/http";
import { type WebhookDelivery, webhooks } from "../../api/webhooks";
import { h, replaceChildren } from "../../lib/dom";
import { relativeTime } from "../../lib/format";
import { DELIVERY_TEXT, deliveryOutcome, hasOpenDeliveries, resultsOf } from "./webhook-rules";

const POLL_MS = 3000;

export function deliveryLog(webhookId: number): HTMLElement {
  const body = h("tbody");
  const note = h("span", { class: "muted small" });
  let timer = 0;
  const refreshBtn = h("button", { type: "button", class: "link small", "data-testid": "webhook-log-refresh" }, "Refresh");
  const el = h("div", { class: "delivery-log", "data-testid": "webhook-deliveries" },
    h("div", { class: "side-head" }, h("h4", null, "Recent deliveries"), note, h("span", { class: "spacer" }), refreshBtn),
    h("table", { class: "table deliveries-table" },
      h("thead", null, h("tr", null, h("th", null, "Event"), h("th", null, "Status"), h("th", { class: "num" }, "Attempts"), h("th", null, "Answer"), h("th", null, "When"))),
      body));

  const row = (d: WebhookDelivery): HTMLTableRowElement => h("tr", { "data-testid": "delivery-row", "data-status": d.status },
    h("td", null, h("code", null, d.event)),
    h("td", null, h("span", { class: `chip delivery-${d.status}`, "data-testid": "delivery-status" }, DELIVERY_TEXT[d.status] ?? d.status)),
    h("td", { class: "num" }, String(d.attempts)),
    h("td", { class: "small", title: d.error || "" }, deliveryOutcome(d), d.error && d.response_status !== null ? h("div", { class: "msg-error" }, d.error) : null),
    h("td", { class: "muted small", title: new Date(d.created_at).toLocaleString() }, relativeTime(d.created_at),
      d.status === "retrying" && d.next_attempt_at ? h("div", null, `next try ${new Date(d.next_attempt_at).toLocaleTimeString()}`) : null));

  async function load(): Promise<void> {
    window.clearTimeout(timer);
    if (!el.isConnected && body.childElementCount) return;
    try {
      const list = resultsOf(await webhooks.deliveries(webhookId));
      replaceChildren(body, list.length ? list.map(row) : h("tr", null, h("td", { colspan: "5", class: "empty-row muted" }, "Nothing sent yet. “Send test” sends a ping.")));
      note.textContent = `updated ${new Date().toLocaleTimeString()}`;
      if (hasOpenDeliveries(list)) timer = window.setTimeout(() => void load(), POLL_MS);
    } catch (err) {
      replaceChildren(body, h("tr", null, h("td", { colspan: "5", class: "msg-error small" }, `Could not load deliveries: ${errorMessage(err)}`)));
    }
  }
  refreshBtn.addEventListener("click", () => void load());
  replaceChildren(body, h("tr", null, h("td", { colspan: "5", class: "empty-row muted" }, "Loading…")));
  // A test delivery is queued just before this opens: look again shortly even if nothing is pending yet.
  void load().then(() => { if (!timer) timer = window.setTimeout(() => void load(), 1500); });
  return el;
}
