/** Pure rules for the webhooks UI: form validation, event lists, delivery summaries. */
import { type DeliveryStatus, WEBHOOK_EVENTS, type WebhookDelivery, type WebhookEvent } from "../../api/webhooks";

export const EVENT_TEXT: Record<WebhookEvent, string> = {
  "run.succeeded": "Training run succeeded",
  "run.failed": "Training run failed",
  "model.promoted": "Model version promoted",
  "autoannotate.finished": "Pre-labelling finished",
  "image.done": "Image marked done",
};

/** Known events only, once each, in the canonical order. */
export function normalizeEvents(events: readonly string[]): WebhookEvent[] {
  const set = new Set(events);
  return WEBHOOK_EVENTS.filter((e) => set.has(e));
}

/** A user-facing problem with the form, or null when it can be sent. */
export function validateWebhook(url: string, events: readonly string[]): string | null {
  const u = url.trim();
  if (!u) return "Enter the URL that should receive the events.";
  let parsed: URL;
  try {
    parsed = new URL(u);
  } catch {
    return "That is not a full URL (it should start with https://).";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "Only http:// and https:// URLs can receive webhooks.";
  if (!parsed.hostname) return "The URL needs a host name.";
  const unknown = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown.length) return `Unknown event${unknown.length === 1 ? "" : "s"}: ${unknown.join(", ")}.`;
  if (!normalizeEvents(events).length) return "Pick at least one event.";
  return null;
}

export const DELIVERY_TEXT: Record<DeliveryStatus, string> = {
  pending: "Pending", retrying: "Retrying", succeeded: "Delivered", failed: "Failed",
};

/** "200 · 84 ms" / "timeout" / "—": what the receiver answered. */
export function deliveryOutcome(d: Pick<WebhookDelivery, "response_status" | "duration_ms" | "error">): string {
  const parts: string[] = [];
  if (d.response_status !== null && d.response_status !== undefined) parts.push(String(d.response_status));
  if (d.duration_ms !== null && d.duration_ms !== undefined) parts.push(`${Math.round(d.duration_ms)} ms`);
  if (!parts.length && d.error) return d.error;
  return parts.length ? parts.join(" · ") : "—";
}

/** Deliveries still moving (worth refreshing the log for). */
export function hasOpenDeliveries(list: readonly Pick<WebhookDelivery, "status">[]): boolean {
  return list.some((d) => d.status === "pending" || d.status === "retrying");
}

/** Lists come as {results} pages or bare arrays. */
export function resultsOf<T>(body: { results: T[] } | T[] | null | undefined): T[] {
  if (!body) return [];
  return Array.isArray(body) ? body : body.results ?? [];
}
