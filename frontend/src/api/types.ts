/** Wire types of the Labelforge REST API v1 (see DESIGN.md "Public API"). */

export type Role = "annotator" | "manager" | "owner";
export type ImageStatus = "new" | "in_progress" | "done" | "reviewed";
export type Split = "train" | "val" | "test" | "unassigned";
export type Source = "human" | "model";
export type ZipLayout = "auto" | "flat" | "folders";

export const ROLES: readonly Role[] = ["annotator", "manager", "owner"];
export const STATUSES: readonly ImageStatus[] = ["new", "in_progress", "done", "reviewed"];
export const SPLITS: readonly Split[] = ["train", "val", "test", "unassigned"];
export const SOURCES: readonly Source[] = ["human", "model"];

export interface Page<T> {
  results: T[];
  next: string | null;
}

export interface Project {
  id: number;
  name: string;
  description: string;
  created_at: string;
  role: Role | null;
  image_count?: number;
}

export interface Label {
  id: number;
  name: string;
  color: string;
  hotkey: string;
}

export interface Member {
  id: number;
  user_id: number;
  username: string;
  role: Role;
  created_at: string;
}

export interface Image {
  id: number;
  project: number;
  filename: string;
  width: number;
  height: number;
  format: string;
  size_bytes: number;
  sha256: string;
  status: ImageStatus;
  split: Split;
  sample_weight: number;
  gold: boolean;
  file: string;
  thumbnail: string | null;
  /** 0..1 after auto-annotation (1 = the model could not choose); null when never scored. */
  uncertainty?: number | null;
  /** Only in list responses; detail and websocket payloads leave it out. */
  annotation_count?: number;
  created_at: string;
  updated_at: string;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Annotation {
  id: number;
  image: number;
  label: number;
  kind: "box" | "tag";
  box: Box | null;
  source: Source;
  score: number | null;
  review: string;
  version: number;
  /** The model version that predicted it (kept after a person fixes it); null for human work. */
  model_version?: number | null;
}

export interface UploadDuplicate {
  file: string;
  existing?: number;
  same_as?: string;
}

export interface UploadError {
  file: string;
  detail: string;
  code?: string;
}

export interface UploadResult {
  created: number[];
  duplicates: UploadDuplicate[];
  errors: UploadError[];
  labels_created: string[];
}

export interface SplitResult {
  assigned: Partial<Record<Split, number>>;
}

export interface RealtimeEvent {
  type: string;
  payload: unknown;
}

/* ---------- labeller (appended) ---------- */

/** An annotation as the labeller reads it: the full wire shape. */
export interface AnnotationRecord extends Annotation {
  client_id?: string | null;
  created_by?: number | string | null;
  updated_by?: number | string | null;
  created_at?: string;
  updated_at?: string;
  /** Websocket payloads name who made the change. */
  actor?: string | null;
}

export interface AnnotationCreateBody {
  kind: "box" | "tag";
  label: number;
  box?: Box | null;
  client_id?: string;
}

export interface AnnotationPatchBody {
  version: number;
  label?: number;
  box?: Box;
  review?: string;
}

export interface Neighbors {
  previous: number | null;
  next: number | null;
  next_unlabelled: number | null;
}

export interface PresenceEntry {
  user: string;
  image: number | null;
}

export interface PresenceState {
  users: PresenceEntry[];
}

export interface AnnotationDeletedPayload {
  id: number;
  image: number;
  actor?: string | null;
  client_id?: string | null;
}

/* ---------- training (appended) ---------- */

export type TrainTask = "classify" | "detect";
export type RunStatus =
  | "queued" | "running" | "cancelling" | "cancelled" | "interrupted" | "failed" | "succeeded";
export const RUN_STATUSES: readonly RunStatus[] = [
  "queued", "running", "cancelling", "cancelled", "interrupted", "failed", "succeeded",
];

export type ParamType = "int" | "float" | "bool" | "str";
export type ParamValue = number | string | boolean | null;

/** One TrainConfig field users may set. */
export interface ParamSpec {
  name: string;
  type: ParamType;
  default: ParamValue;
  choices: string[] | null;
  min: number | null;
  max: number | null;
}

export interface Architecture {
  name: string;
  task: TrainTask;
  title: string;
  defaults: Record<string, ParamValue>;
  weights_file: string | null;
}

export interface ArchitectureList {
  results: Architecture[];
  params: ParamSpec[];
}

export interface RunSnapshot {
  id: number;
  images: number;
  classes: string[];
  splits: Partial<Record<"train" | "val" | "test" | "unassigned", number>>;
}

export interface TrainingRun {
  id: number;
  project: number;
  task: TrainTask;
  architecture: string;
  status: RunStatus;
  progress: number;
  step: number;
  total_steps: number;
  epoch: number;
  epochs: number;
  device: string;
  worker: string;
  params: Record<string, ParamValue>;
  best_metrics: Record<string, number>;
  latest: Record<string, number | null>;
  eta_seconds: number | null;
  error: string;
  snapshot: RunSnapshot | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  heartbeat_at: string | null;
  resumed_from: number | null;
  finished?: boolean;
  attempts?: number;
  /** The version registered from this run's weights, once it finished. */
  model_version?: RunModelVersion | null;
  /** The model version this run was fine-tuned from. */
  init_from?: number | null;
}

export interface RunModelVersion {
  id: number;
  version: number;
  status: VersionStatus;
}

export interface TrainingRunCreateBody {
  task: TrainTask;
  architecture: string;
  params: Record<string, ParamValue>;
  /** Fine-tune from this model version (same architecture). */
  init_from?: number | null;
}

export interface MetricRow {
  step: number;
  epoch: number;
  name: string;
  value: number;
}

export interface MetricsPage {
  results: MetricRow[];
  last_step: number | null;
  next?: string | null;
}

export interface LogChunk {
  text: string;
  offset: number;
}

/** Websocket `run.progress`: batched, new metric rows only. */
export interface RunProgressPayload {
  id: number;
  step: number;
  total_steps: number;
  progress: number;
  epoch: number;
  eta_seconds: number | null;
  /** The run's latest value of every metric (the server's view). */
  latest?: Record<string, number>;
  metrics?: MetricRow[];
}

export interface RunLogPayload {
  id: number;
  lines: string[];
}

/* ---------- model registry (appended) ---------- */

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
