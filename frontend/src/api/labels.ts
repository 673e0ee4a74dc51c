/** A project's labels (name, colour, hotkey). */
import { del, get, patch, post } from "./http";
import { projectPath, type Page } from "./common";

export interface Label {
  id: number;
  name: string;
  color: string;
  hotkey: string;
}

export type LabelInput = { name: string; color: string; hotkey: string };

export const labels = {
  list: (projectId: number) => get<Page<Label>>(`${projectPath(projectId)}labels/`),
  create: (projectId: number, body: LabelInput) =>
    post<Label>(`${projectPath(projectId)}labels/`, body),
  update: (projectId: number, id: number, body: Partial<LabelInput>) =>
    patch<Label>(`${projectPath(projectId)}labels/${id}/`, body),
  remove: (projectId: number, id: number) => del(`${projectPath(projectId)}labels/${id}/`),
};
