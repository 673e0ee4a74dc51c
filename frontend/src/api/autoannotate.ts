/** Auto-annotation (pre-labelling) runs: a model version writes predictions for review. */
import { get, post } from "./http";
import { projectPath, type Page } from "./common";

/** segment: polygons from a segment (instances) or semantic (class regions) version. */
export type AutoAnnotateMode = "classify" | "detect" | "two_stage" | "segment";
export type AutoAnnotateScope = "unlabelled" | "filter" | "all";
export type AutoAnnotateStatus = "queued" | "running" | "cancelling" | "cancelled" | "failed" | "succeeded";

export interface VersionRef {
  id: number;
  version: number;
  architecture: string;
}

export interface AutoAnnotateCounts {
  predictions?: number;
  replaced?: number;
  /** Predicted classes with no project label of that name. */
  unmapped?: number;
  images_with_predictions?: number;
  unreadable?: number;
}

export interface AutoAnnotationRun {
  id: number;
  project: number;
  model_version: VersionRef;
  classifier_version: VersionRef | null;
  /** two_stage: detector class -> classifier version id (a classifier per scale class). */
  classifiers: Record<string, number>;
  mode: AutoAnnotateMode;
  scope: AutoAnnotateScope;
  filters: Record<string, unknown>;
  threshold: number;
  status: AutoAnnotateStatus;
  finished: boolean;
  total: number;
  processed: number;
  progress: number;
  counts: AutoAnnotateCounts;
  error: string;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface AutoAnnotateBody {
  mode: AutoAnnotateMode;
  model_version?: number;
  classifier_version?: number;
  classifiers?: Record<string, number>;
  scope: AutoAnnotateScope;
  filters?: Record<string, string | number | boolean>;
  threshold: number;
}

const AR = (id: number): string => `/api/v1/auto-annotation-runs/${id}/`;

export const autoAnnotate = {
  start: (projectId: number, body: AutoAnnotateBody) =>
    post<AutoAnnotationRun>(`${projectPath(projectId)}auto-annotate/`, body),
  list: (projectId: number) => get<Page<AutoAnnotationRun>>(`${projectPath(projectId)}auto-annotation-runs/`),
  get: (id: number) => get<AutoAnnotationRun>(AR(id)),
  cancel: (id: number) => post<AutoAnnotationRun>(`${AR(id)}cancel/`, {}),
};
