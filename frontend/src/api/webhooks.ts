/** Outgoing webhooks of a project and their delivery log. */
import { del, get, patch, post } from "./http";
import { projectPath, type Page } from "./common";

export type WebhookEvent = "run.succeeded" | "run.failed" | "model.promoted" | "autoannotate.finished" | "image.done";
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  "run.succeeded", "run.failed", "model.promoted", "autoannotate.finished", "image.done",
];

export interface Webhook {
  id: number;
  url: string;
  events: WebhookEvent[];
  active: boolean;
  created_at: string;
  /** Only in the create answer. */
  secret?: string;
}

export type DeliveryStatus = "pending" | "retrying" | "succeeded" | "failed";

export interface WebhookDelivery {
  id: number;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  response_status: number | null;
  error: string;
  duration_ms: number | null;
  created_at: string;
  delivered_at: string | null;
  next_attempt_at: string | null;
}

export type WebhookInput = { url: string; events: WebhookEvent[]; active?: boolean };

const W = (id: number): string => `/api/v1/webhooks/${id}/`;

export const webhooks = {
  list: (projectId: number) => get<Page<Webhook> | Webhook[]>(`${projectPath(projectId)}webhooks/`),
  create: (projectId: number, body: WebhookInput) => post<Webhook>(`${projectPath(projectId)}webhooks/`, body),
  update: (id: number, body: Partial<WebhookInput>) => patch<Webhook>(W(id), body),
  remove: (id: number) => del(W(id)),
  test: (id: number) => post<unknown>(`${W(id)}test/`, {}),
  deliveries: (id: number) => get<Page<WebhookDelivery>>(`${W(id)}deliveries/`),
};
