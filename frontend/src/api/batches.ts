/** Assignments: batches of a project's images handed to annotators. */
import { del, get, patch, post } from "./http";
import { projectPath, type Page } from "./common";

export interface Batch {
  id: number;
  project: number;
  project_name: string;
  name: string;
  /** A member's username; null: nobody yet. */
  assignee: string | null;
  /** "YYYY-MM-DD" or null. */
  due: string | null;
  images: number;
  done: number;
  /** Where the labeller opens: the first image not done (else the first); null when empty. */
  next_image: number | null;
  created_at: string;
  updated_at: string;
}

export interface SplitBody {
  assignees: string[];
  filter?: Record<string, string | number | boolean>;
  size?: number | null;
  due?: string | null;
  /** At most this many images, taken in `order` (uniqueness: the N most unique). */
  limit?: number;
  order?: string;
  /** Gold checks to mix into each batch (blind, unannounced). */
  gold?: number;
}

export const batches = {
  get: (id: number) => get<Batch>(`/api/v1/batches/${id}/`),
  mine: () => get<Page<Batch>>("/api/v1/batches/?assignee=me"),
  ofProject: (projectId: number) => get<Page<Batch>>(`${projectPath(projectId)}batches/`),
  split: (projectId: number, body: SplitBody) => post<Page<Batch>>(`${projectPath(projectId)}batches/split/`, body),
  update: (id: number, body: Partial<Pick<Batch, "assignee" | "name" | "due">>) => patch<Batch>(`/api/v1/batches/${id}/`, body),
  remove: (id: number) => del(`/api/v1/batches/${id}/`),
};
