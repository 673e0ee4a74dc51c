/** Curation: embeddings runs, the spaces images are embedded in, near-duplicate groups, the
 *  actions on a set of images (each answers `before`, which "restore" puts back), a model's
 *  opinion of an image (likely label errors) and the 2-D map. */
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
  counts: { computed?: number; existing?: number; unreadable?: number; scored?: number; judged?: number; map?: "umap" | "pca" };
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

export interface Box { x: number; y: number; w: number; h: number }

/** Why the model doubts a label: another class, a box it found that nobody drew, a box it
 *  does not see. `label` is the model's class, `given` the person's. */
export interface Suspect {
  kind: "wrong_label" | "missing" | "spurious";
  score: number;
  label: string | null;
  given: string | null;
  box: Box | null;
}

export interface Opinion {
  image: number;
  /** null: no model has looked at the image yet. */
  model_version: { id: number; version: number; architecture: string; task: "classify" | "detect" } | null;
  labelled: boolean;
  score: number | null;
  suspects: Suspect[];
  predictions: ({ label: string; confidence: number } | { label: string; score: number; box: Box })[];
}

/** The 2-D map, column by column: point k is ids[k] at (x[k], y[k]), both 0..1. */
export interface EmbeddingMap {
  space: string;
  method: "umap" | "pca";
  count: number;
  total: number;
  ids: number[];
  x: number[];
  y: number[];
  label: (number | null)[];
  split: Split[];
  uniqueness: (number | null)[];
  mistakenness: (number | null)[];
  excluded: boolean[];
  labels: { id: number; name: string; color: string }[];
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
  map: (projectId: number, modelVersion: number | null) =>
    get<EmbeddingMap>(`${projectPath(projectId)}embedding-map/${q(modelVersion)}`),
  opinion: (imageId: number, modelVersion: number | null = null) =>
    get<Opinion>(`/api/v1/images/${imageId}/opinion/${q(modelVersion)}`),
};

/** A space's value in a select: the version id, or "" for the perceptual hash. */
export const spaceVersion = (value: string): number | null => (value ? Number(value) : null);

/** How far apart a group may be, as people read it. */
export function thresholdText(metric: DuplicateReport["metric"], t: number): string {
  return metric === "hamming" ? `${Math.round(t * 64)} of 64 hash bits differ` : `cosine ≥ ${(1 - t).toFixed(2)}`;
}
