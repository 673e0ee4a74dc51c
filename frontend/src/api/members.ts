/** A project's members and their roles. */
import { del, get, patch, post } from "./http";
import { projectPath, type Page } from "./common";
import type { Role } from "./projects";

export interface Member {
  id: number;
  user_id: number;
  username: string;
  role: Role;
  created_at: string;
}

export const members = {
  list: (projectId: number) => get<Page<Member>>(`${projectPath(projectId)}members/`),
  add: (projectId: number, body: { username: string; role: Role }) =>
    post<Member>(`${projectPath(projectId)}members/`, body),
  setRole: (projectId: number, id: number, role: Role) =>
    patch<Member>(`${projectPath(projectId)}members/${id}/`, { role }),
  remove: (projectId: number, id: number) => del(`${projectPath(projectId)}members/${id}/`),
};
