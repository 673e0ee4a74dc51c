/** API shapes of the model registry, predict, auto-annotation, review and webhooks (re-exported by types.ts). */

import type { Box, ParamValue, TrainTask } from "./types";


export type VersionSource = "trained" | "imported";
export type VersionStatus = "pending" | "ready" | "failed";
export type Stage = "none" | "staging" | "production" | "archived";
export type PromoteStage = Exclude<Stage, "none">;
export const STAGES: readonly Stage[] = ["none", "staging", "production", "archived"];

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

export interface ClassPrediction {
  label: string;
  confidence: number;
}

export interface BoxPrediction {
  label: string;
  score: number;
  box: Box;
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

/* ---------- auto-annotation, review, webhooks (appended) ---------- */

export type AutoAnnotateMode = "classify" | "detect" | "two_stage";
export type AutoAnnotateScope = "unlabelled" | "filter" | "all";
export type Review = "none" | "pending" | "accepted" | "rejected";

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

export type AutoAnnotateStatus = "queued" | "running" | "cancelling" | "cancelled" | "failed" | "succeeded";

export interface AutoAnnotationRun {
  id: number;
  project: number;
  model_version: VersionRef;
  classifier_version: VersionRef | null;
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
  scope: AutoAnnotateScope;
  filters?: Record<string, string | number | boolean>;
  threshold: number;
}

export interface PredictionsUpdatedPayload {
  image_ids: number[];
  model_version: number;
}

export interface ReviewStats {
  pending: number;
  accepted: number;
  corrected: number;
  rejected: number;
  reviewed: number;
  correction_rate: number | null;
}

export type WebhookEvent = "run.succeeded" | "run.failed" | "model.promoted" | "autoannotate.finished" | "image.done";
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  "run.succeeded", "run.failed", "model.promoted", "autoannotate.finished", "image.done",
];

export interface Webhook {
  id: number;
  url: string;
  events: WebhookEvent[];
  active: boolean;
  created_at: string;
  /** Only in the create answer. */
  secret?: string;
}

export type DeliveryStatus = "pending" | "retrying" | "succeeded" | "failed";

export interface WebhookDelivery {
  id: number;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  response_status: number | null;
  error: string;
  duration_ms: number | null;
  created_at: string;
  delivered_at: string | null;
  next_attempt_at: string | null;
}
