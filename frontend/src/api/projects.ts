/** Projects: the user's list, one project, create and rename. */
import { get, patch, post } from "./http";
import { projectPath, type Page } from "./common";

export type Role = "annotator" | "reviewer" | "manager" | "owner";
export const ROLES: readonly Role[] = ["annotator", "reviewer", "manager", "owner"];

export interface Project {
  id: number;
  name: string;
  description: string;
  created_at: string;
  role: Role | null;
  image_count?: number;
}

export const projects = {
  list: () => get<Page<Project>>("/api/v1/projects/"),
  get: (id: number) => get<Project>(projectPath(id)),
  create: (body: { name: string; description: string }) =>
    post<Project>("/api/v1/projects/", body),
  update: (id: number, body: { name?: string; description?: string }) =>
    patch<Project>(projectPath(id), body),
};
