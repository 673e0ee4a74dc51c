/** The model registry: versions, their reports, stages, downloads, import and predict. */
import { get, post, postForm, postMultipart, type UploadHandle } from "./http";
import { projectPath, type Page, type ParamValue, type TrainTask, type VersionStatus } from "./common";
import type { Box, ReviewStats } from "./annotations";

export type VersionSource = "trained" | "imported";
export type Stage = "none" | "staging" | "production" | "archived";
export type PromoteStage = Exclude<Stage, "none">;

/** Headline scalars of the held-out report (may be {} before evaluation or for imports). */
export interface VersionMetrics {
  split?: "test" | "val";
  count?: number;
  accuracy?: number | null;
  macro_f1?: number | null;
  map?: number | null;
  map50?: number | null;
  [name: string]: unknown;
}

export interface ModelVersion {
  id: number;
  project: number;
  version: number;
  source: VersionSource;
  task: TrainTask;
  architecture: string;
  num_classes: number;
  image_size: number;
  status: VersionStatus;
  error: string;
  stage: Stage;
  stage_changed_at: string | null;
  metrics: VersionMetrics;
  run: number | null;
  snapshot: number | null;
  size_bytes: number;
  parameters: number;
  has_onnx: boolean;
  onnx_error: string;
  description: string;
  created_by: string | null;
  created_at: string;
}

/** Precision/recall/F1 are null where undefined (a class never predicted, or absent). */
export interface ClassifyClassRow {
  label: string;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  support: number;
}

export interface DetectClassRow {
  label: string;
  ap: number | null;
  ap50: number | null;
  support: number;
}

export interface ClassifyReport extends VersionMetrics {
  per_class?: ClassifyClassRow[];
  /** confusion[t][p]: images of true class t predicted as p. */
  confusion?: number[][];
}

export interface DetectReport extends VersionMetrics {
  per_class?: DetectClassRow[];
}

export interface ModelVersionDetail extends ModelVersion {
  classes: string[];
  review_stats?: ReviewStats;
  report: ClassifyReport | DetectReport;
  run_params: Record<string, ParamValue> | null;
}

export interface StageTransition {
  id: number;
  model_version: number;
  version: number;
  from_stage: Stage;
  to_stage: Stage;
  reason: string;
  user: string | null;
  created_at: string;
}

export interface ClassPrediction {
  label: string;
  confidence: number;
}

export interface BoxPrediction {
  label: string;
  score: number;
  box: Box;
  /** Segment and semantic versions: the outline (then holes) in image pixels. */
  polygon?: [number, number][][];
}

export type Prediction = ClassPrediction | BoxPrediction;

export interface PredictResponse {
  model_version: { id: number; version: number; task: TrainTask; architecture: string; stage: Stage };
  backend: "onnx" | "torch-cpu" | "torch-cuda" | string;
  results: { image: string; predictions: Prediction[] }[];
  predictions?: Prediction[];
}

export interface ImportResponse extends Partial<ModelVersion> {
  detail?: string;
  code?: string;
}

export interface ImportFields {
  architecture: string;
  weights: File;
  classes?: string;
  classesFile?: File | null;
  preset?: "imagenet" | null;
  imageSize?: number | null;
  description?: string;
}

export interface PredictOptions {
  topK?: number;
  threshold?: number;
}

const MV = (id: number): string => `/api/v1/model-versions/${id}/`;

export const modelVersions = {
  list: (projectId: number) => get<Page<ModelVersion>>(`${projectPath(projectId)}model-versions/`),
  get: (id: number) => get<ModelVersionDetail>(MV(id)),
  promote: (id: number, stage: PromoteStage, reason: string) =>
    post<ModelVersion>(`${MV(id)}promote/`, { stage, reason }),
  downloadUrl: (id: number, format: "state_dict" | "onnx"): string => `${MV(id)}download/?format=${format}`,
  transitions: (projectId: number) => get<Page<StageTransition>>(`${projectPath(projectId)}stage-transitions/`),
  /** 202 with the pending version; the worker's prepare job makes it ready or failed. */
  import: (
    projectId: number,
    f: ImportFields,
    onProgress: (loaded: number, total: number) => void,
  ): UploadHandle<ImportResponse> => {
    const form = new FormData();
    form.append("architecture", f.architecture);
    form.append("weights", f.weights, f.weights.name);
    if (f.preset) form.append("classes_preset", f.preset);
    else if (f.classesFile) form.append("classes_file", f.classesFile, f.classesFile.name);
    else if (f.classes) form.append("classes", f.classes);
    if (f.imageSize) form.append("image_size", String(f.imageSize));
    if (f.description) form.append("description", f.description);
    return postForm(`${projectPath(projectId)}model-versions/import/`, form, onProgress);
  },
  predict: (id: number, image: Blob, name: string, opts: PredictOptions = {}) => {
    const form = new FormData();
    form.append("image", image, name);
    if (opts.topK) form.append("top_k", String(opts.topK));
    if (opts.threshold !== undefined) form.append("threshold", String(opts.threshold));
    return postMultipart<PredictResponse>(`${MV(id)}predict/`, form);
  },
};

/** The project's predict endpoint (serves its production version), for service tokens. */
export const projectPredictPath = (projectId: number): string => `${projectPath(projectId)}predict/`;
