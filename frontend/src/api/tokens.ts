/** Service tokens: keys for calling a project's predict endpoint from other programs. */
import { get, post, request } from "./http";
import { projectPath, type Page } from "./common";

export interface ServiceToken {
  id: number;
  project: number;
  name: string;
  prefix: string;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The create answer: the only time the key is shown. */
export interface ServiceTokenCreated extends ServiceToken {
  key: string;
}

export const serviceTokens = {
  list: (projectId: number) => get<Page<ServiceToken>>(`${projectPath(projectId)}service-tokens/`),
  create: (projectId: number, name: string) =>
    post<ServiceTokenCreated>(`${projectPath(projectId)}service-tokens/`, { name }),
  revoke: (id: number) => request<ServiceToken>("DELETE", `/api/v1/service-tokens/${id}/`),
};
