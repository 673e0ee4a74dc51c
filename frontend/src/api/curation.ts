/** Curation: embeddings runs, the spaces images are embedded in, near-duplicate groups, and
 *  the actions on a set of images (each answers `before`, which "restore" puts back). */
import { get, post } from "./http";
import { projectPath, type Page } from "./common";
import type { Split } from "./images";
import type { RunStatus } from "./runs";

export interface EmbeddingRun {
  id: number;
  project: number;
  model_version: { id: number; version: number; architecture: string } | null;
  space: string;
  status: RunStatus;
  finished: boolean;
  total: number;
  processed: number;
  progress: number;
  counts: { computed?: number; existing?: number; unreadable?: number; scored?: number };
  error: string;
  created_by: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface EmbeddingSpace {
  space: string;
  images: number;
  model_version: number | null;
  title: string;
}

export interface DuplicateReport {
  space: string;
  metric: "hamming" | "cosine";
  threshold: number;
  embedded: number;
  images: number;
  groups: number[][];
  splits: Split[][];
  excluded: boolean[][];
  leaks: boolean[];
}

export interface ImageState {
  id: number;
  excluded: boolean;
  split: Split;
  sample_weight: number;
}

export interface Change {
  changed: number;
  before: ImageState[];
}

export type CurationAction = "exclude" | "include" | "gold" | "split";

const q = (modelVersion: number | null, extra: Record<string, string> = {}): string =>
  `?${new URLSearchParams({ ...(modelVersion ? { model_version: String(modelVersion) } : {}), ...extra })}`;

export const curation = {
  runs: (projectId: number) => get<Page<EmbeddingRun>>(`${projectPath(projectId)}embeddings/`),
  start: (projectId: number, modelVersion: number | null) =>
    post<EmbeddingRun>(`${projectPath(projectId)}embeddings/`, { model_version: modelVersion }),
  cancel: (runId: number) => post<EmbeddingRun>(`/api/v1/embedding-runs/${runId}/cancel/`, {}),
  spaces: (projectId: number) => get<Page<EmbeddingSpace>>(`${projectPath(projectId)}embedding-spaces/`),
  duplicates: (projectId: number, modelVersion: number | null, threshold: number) =>
    get<DuplicateReport>(`${projectPath(projectId)}duplicates/${q(modelVersion, { threshold: String(threshold) })}`),
  apply: (projectId: number, action: CurationAction, imageIds: number[], split?: Split) =>
    post<Change>(`${projectPath(projectId)}curation/`, { action, image_ids: imageIds, split: split ?? null }),
  restore: (projectId: number, images: ImageState[]) =>
    post<Change>(`${projectPath(projectId)}curation/`, { action: "restore", images }),
  diverse: (projectId: number, modelVersion: number | null, n: number, split: Split) =>
    post<Change>(`${projectPath(projectId)}curation/diverse/`, { model_version: modelVersion, n, split }),
};

/** A space's value in a select: the version id, or "" for the perceptual hash. */
export const spaceVersion = (value: string): number | null => (value ? Number(value) : null);

/** How far apart a group may be, as people read it. */
export function thresholdText(metric: DuplicateReport["metric"], t: number): string {
  return metric === "hamming" ? `${Math.round(t * 64)} of 64 hash bits differ` : `cosine ≥ ${(1 - t).toFixed(2)}`;
}
