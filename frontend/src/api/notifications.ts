/** The signed-in user's inbox: batches assigned, images sent back, batches due. */
import { get, post } from "./http";
import type { Page } from "./common";

export interface Notification {
  id: number;
  project: number;
  kind: "batch.assigned" | "image.rejected" | "batch.due" | string;
  text: string;
  url: string;
  created_at: string;
  read: boolean;
}

export const notifications = {
  list: () => get<Page<Notification> & { unread: number }>("/api/v1/notifications/"),
  read: (ids?: number[]) => post<{ read: number }>("/api/v1/notifications/read/", ids ? { ids } : {}),
};
