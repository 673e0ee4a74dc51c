/** Wire types of the Labelforge REST API v1 (see DESIGN.md "Public API"). */
import type { VersionStatus } from "./types-models";

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
  /** Images per split after the assignment. */
  counts: Record<Split, number>;
}

export interface SplitCounts {
  counts: Record<Split, number>;
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

export interface DataIssue {
  code: string;
  detail: string;
}

export interface RunSnapshot {
  id: number;
  images: number;
  classes: string[];
  splits: Partial<Record<"train" | "val" | "test" | "unassigned", number>>;
  /** Project images with nothing to learn from for this task when the snapshot was frozen. */
  left_out?: number;
}

/** `GET /projects/{id}/training-runs/check/?task=`: what a run started now would train on. */
export interface DataCheck {
  task: TrainTask;
  ok: boolean;
  images: number;
  left_out: number;
  splits: Record<"train" | "val" | "test" | "unassigned", number>;
  classes: { name: string; train_images: number }[];
  errors: DataIssue[];
  warnings: DataIssue[];
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
  /** Why this run's figures may mean little (from the data check when it started). */
  warnings?: DataIssue[];
  error: string;
  snapshot: RunSnapshot | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  heartbeat_at: string | null;
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

export * from "./types-models";
