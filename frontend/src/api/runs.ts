/** Training: architectures, the data check, runs with their metrics, log and package. */
import { get, post } from "./http";
import { projectPath, type Page, type ParamValue, type TrainTask, type VersionStatus } from "./common";

export type RunStatus =
  | "queued" | "running" | "cancelling" | "cancelled" | "interrupted" | "failed" | "succeeded";

export type ParamType = "int" | "float" | "bool" | "str";

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
  /** Anchor-based detector: `anchors: "data"` sets its prior boxes from the project's boxes. */
  takes_anchors?: boolean;
}

export interface ArchitectureList {
  results: Architecture[];
  params: ParamSpec[];
}

export interface DataIssue {
  code: string;
  detail: string;
}

/** What a run learns from: classify on image tags or box crops; detect on boxes by label
 *  or by their scale class (the Dataset tab's tool: a two-stage pipeline's first stage). */
export type TrainSource = "tags" | "crops" | "boxes" | "scale_classes";

export interface SourceChoice {
  source: TrainSource | "";
  /** With crops: only the boxes of this scale class. */
  scale_class: string;
}

export interface RunSnapshot {
  id: number;
  images: number;
  source?: TrainSource;
  scale_class?: string;
  classes: string[];
  splits: Partial<Record<"train" | "val" | "test" | "unassigned", number>>;
  /** Project images with nothing to learn from for this task when the snapshot was frozen. */
  left_out?: number;
}

/** `GET /projects/{id}/training-runs/check/?task=`: what a run started now would train on. */
export interface DataCheck {
  task: TrainTask;
  source: TrainSource;
  ok: boolean;
  images: number;
  left_out: number;
  splits: Record<"train" | "val" | "test" | "unassigned", number>;
  classes: { name: string; train_images: number }[];
  errors: DataIssue[];
  warnings: DataIssue[];
}

export interface RunModelVersion {
  id: number;
  version: number;
  status: VersionStatus;
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
  /** Only a worker on this host (or host/gpuN) may take it; "" = any. */
  worker_pin?: string;
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

export interface TrainingRunCreateBody {
  task: TrainTask;
  architecture: string;
  params: Record<string, ParamValue>;
  /** Fine-tune from this model version (same architecture). */
  init_from?: number | null;
  source?: TrainSource | "";
  scale_class?: string;
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
  /** The best epoch's validation figures so far: the epoch whose weights the run keeps. */
  best_metrics?: Record<string, number>;
  metrics?: MetricRow[];
}

/** Websocket `run.log`. */
export interface RunLogPayload {
  id: number;
  lines: string[];
}

const R = (id: number): string => `/api/v1/training-runs/${id}/`;

/** An RQ worker online (GET /api/v1/workers/: staff and project managers). */
export interface WorkerInfo {
  name: string;
  host: string;
  queues: string[];
  device: string;
  gpu_index: string | null;
  gpu_name: string;
  gpu_memory_mb: number;
  gpu_count: number;
  /** Values a run's `worker` param may take to run here: its host, and host/gpuN. */
  pins: string[];
  state: string;
  current_job: string | null;
  last_heartbeat: string | null;
}

export const workers = {
  list: () => get<Page<WorkerInfo>>("/api/v1/workers/"),
};

export const architectures = {
  list: () => get<ArchitectureList>("/api/v1/architectures/"),
};

export const trainingRuns = {
  list: (projectId: number) => get<Page<TrainingRun>>(`${projectPath(projectId)}training-runs/`),
  page: (url: string) => get<Page<TrainingRun>>(url),
  create: (projectId: number, body: TrainingRunCreateBody) =>
    post<TrainingRun>(`${projectPath(projectId)}training-runs/`, body),
  /** Can the project's data give a meaningful model for `task`? (errors stop a run) */
  check: (projectId: number, task: TrainTask, from?: SourceChoice) =>
    get<DataCheck>(`${projectPath(projectId)}training-runs/check/?${new URLSearchParams({ task, ...from })}`),
  get: (id: number) => get<TrainingRun>(R(id)),
  /** Metric rows with step > afterStep (all of them when afterStep is null). */
  metrics: (id: number, afterStep: number | null = null) =>
    get<MetricsPage>(afterStep === null ? `${R(id)}metrics/` : `${R(id)}metrics/?after_step=${afterStep}`),
  metricsPage: (url: string) => get<MetricsPage>(url),
  log: (id: number, offset = 0) => get<LogChunk>(`${R(id)}log/?offset=${offset}`),
  cancel: (id: number) => post<TrainingRun>(`${R(id)}cancel/`, {}),
  resume: (id: number) => post<TrainingRun>(`${R(id)}resume/`, {}),
  packageUrl: (id: number): string => `${R(id)}package/`,
};
