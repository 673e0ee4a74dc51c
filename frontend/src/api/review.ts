/** Human review: a reviewer's decision on an image and the issues pinned to it. */
import { get, patch, post } from "./http";
import type { Page } from "./common";
import type { Image } from "./images";

export interface IssueIn {
  x: number;
  y: number;
  comment: string;
  /** The box it is about, if any. */
  annotation_id?: number | null;
}

export interface Issue extends IssueIn {
  id: number;
  image: number;
  created_by: string | null;
  created_at: string;
  resolved: boolean;
  resolved_by: string | null;
  resolved_at: string | null;
}

export interface ImageEvent {
  id: number;
  image: number;
  action: "status" | "accepted" | "rejected" | "resolved" | "reopened";
  status_before: string;
  status_after: string;
  actor: string | null;
  annotator: string | null;
  issue: number | null;
  created_at: string;
}

export type Decision = "accept" | "reject";

export const review = {
  decide: (imageId: number, decision: Decision, issues: IssueIn[] = []) =>
    post<{ image: Image; issues: Issue[] }>(`/api/v1/images/${imageId}/decision/`, { decision, issues }),
  issues: (imageId: number) => get<Page<Issue>>(`/api/v1/images/${imageId}/issues/`),
  resolve: (issueId: number, resolved: boolean) => patch<Issue>(`/api/v1/issues/${issueId}/`, { resolved }),
  events: (imageId: number) => get<Page<ImageEvent>>(`/api/v1/images/${imageId}/events/`),
};
