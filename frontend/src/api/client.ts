/** Typed endpoints of the Labelforge API. Every call goes through http.ts. */
import { filterParams, imageListUrl, type ImageFilters } from "../lib/query";
import { del, get, patch, post, postForm, type UploadHandle } from "./http";
import type {
  Annotation,
  AnnotationCreateBody,
  AnnotationPatchBody,
  AnnotationRecord,
  Image,
  ImageStatus,
  Label,
  Member,
  Neighbors,
  Page,
  Project,
  Role,
  Split,
  SplitCounts,
  SplitResult,
  UploadResult,
  ZipLayout,
} from "./types";

const P = (id: number): string => `/api/v1/projects/${id}/`;

export const projects = {
  list: () => get<Page<Project>>("/api/v1/projects/"),
  get: (id: number) => get<Project>(P(id)),
  create: (body: { name: string; description: string }) =>
    post<Project>("/api/v1/projects/", body),
  update: (id: number, body: { name?: string; description?: string }) =>
    patch<Project>(P(id), body),
};

export type LabelInput = { name: string; color: string; hotkey: string };

export const labels = {
  list: (projectId: number) => get<Page<Label>>(`${P(projectId)}labels/`),
  create: (projectId: number, body: LabelInput) =>
    post<Label>(`${P(projectId)}labels/`, body),
  update: (projectId: number, id: number, body: Partial<LabelInput>) =>
    patch<Label>(`${P(projectId)}labels/${id}/`, body),
  remove: (projectId: number, id: number) => del(`${P(projectId)}labels/${id}/`),
};

export const members = {
  list: (projectId: number) => get<Page<Member>>(`${P(projectId)}members/`),
  add: (projectId: number, body: { username: string; role: Role }) =>
    post<Member>(`${P(projectId)}members/`, body),
  setRole: (projectId: number, id: number, role: Role) =>
    patch<Member>(`${P(projectId)}members/${id}/`, { role }),
  remove: (projectId: number, id: number) => del(`${P(projectId)}members/${id}/`),
};

export type ImagePatch = { status?: ImageStatus; split?: Split; sample_weight?: number };

export interface UploadOptions {
  label?: number | null;
  layout?: ZipLayout;
}

export const images = {
  firstPageUrl: (projectId: number, filters: ImageFilters, pageSize = 100) =>
    imageListUrl(projectId, filters, pageSize),
  page: (url: string) => get<Page<Image>>(url),
  get: (id: number) => get<Image>(`/api/v1/images/${id}/`),
  update: (id: number, body: ImagePatch) => patch<Image>(`/api/v1/images/${id}/`, body),
  annotations: (id: number) => get<Page<Annotation>>(`/api/v1/images/${id}/annotations/`),
  split: (
    projectId: number,
    body: { train: number; val: number; test: number; seed: number; only_unassigned: boolean },
  ) => post<SplitResult>(`${P(projectId)}split/`, body),
  splitCounts: (projectId: number) => get<SplitCounts>(`${P(projectId)}split/`),
  upload: (
    projectId: number,
    files: File[],
    opts: UploadOptions,
    onProgress: (loaded: number, total: number) => void,
  ): UploadHandle<Partial<UploadResult> & { detail?: string; code?: string }> => {
    const form = new FormData();
    for (const f of files) form.append("files", f, f.name);
    if (opts.label) form.append("label", String(opts.label));
    if (opts.layout) form.append("layout", opts.layout);
    return postForm(`${P(projectId)}images/`, form, onProgress);
  },
};

/* ---------- labeller (appended) ---------- */

export const annotations = {
  list: (imageId: number) => get<Page<AnnotationRecord>>(`/api/v1/images/${imageId}/annotations/`),
  /** 201 when created; 200 with the existing one when `client_id` was already created. */
  create: (imageId: number, body: AnnotationCreateBody) =>
    post<AnnotationRecord>(`/api/v1/images/${imageId}/annotations/`, body),
  update: (id: number, body: AnnotationPatchBody) =>
    patch<AnnotationRecord>(`/api/v1/annotations/${id}/`, body),
  remove: (id: number, version: number) =>
    del(`/api/v1/annotations/${id}/?version=${encodeURIComponent(String(version))}`),
};

export const neighbors = (imageId: number, filters: ImageFilters = {}) => {
  const q = filterParams(filters).toString();
  return get<Neighbors>(`/api/v1/images/${imageId}/neighbors/${q ? `?${q}` : ""}`);
};

export const labellerUrl = (projectId: number, imageId: number, search = ""): string =>
  `/projects/${projectId}/label/${imageId}/${search}`;

/* ---------- training (appended) ---------- */

import type {
  ArchitectureList,
  DataCheck,
  LogChunk,
  MetricsPage,
  TrainingRun,
  TrainingRunCreateBody,
  TrainTask,
} from "./types";

const R = (id: number): string => `/api/v1/training-runs/${id}/`;

export const architectures = {
  list: () => get<ArchitectureList>("/api/v1/architectures/"),
};

export const trainingRuns = {
  list: (projectId: number) => get<Page<TrainingRun>>(`${P(projectId)}training-runs/`),
  page: (url: string) => get<Page<TrainingRun>>(url),
  create: (projectId: number, body: TrainingRunCreateBody) =>
    post<TrainingRun>(`${P(projectId)}training-runs/`, body),
  /** Can the project's data give a meaningful model for `task`? (errors stop a run) */
  check: (projectId: number, task: TrainTask) =>
    get<DataCheck>(`${P(projectId)}training-runs/check/?task=${task}`),
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

export const runUrl = (projectId: number, runId: number): string =>
  `/projects/${projectId}/runs/${runId}/`;

/* ---------- model registry (appended) ---------- */

import type {
  ImportResponse,
  ModelVersion,
  ModelVersionDetail,
  PredictResponse,
  PromoteStage,
  ServiceToken,
  ServiceTokenCreated,
  StageTransition,
} from "./types";
import { postMultipart, request } from "./http";

const MV = (id: number): string => `/api/v1/model-versions/${id}/`;

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

export const modelVersions = {
  list: (projectId: number) => get<Page<ModelVersion>>(`${P(projectId)}model-versions/`),
  get: (id: number) => get<ModelVersionDetail>(MV(id)),
  promote: (id: number, stage: PromoteStage, reason: string) =>
    post<ModelVersion>(`${MV(id)}promote/`, { stage, reason }),
  downloadUrl: (id: number, format: "state_dict" | "onnx"): string => `${MV(id)}download/?format=${format}`,
  transitions: (projectId: number) => get<Page<StageTransition>>(`${P(projectId)}stage-transitions/`),
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
    return postForm(`${P(projectId)}model-versions/import/`, form, onProgress);
  },
  predict: (id: number, image: Blob, name: string, opts: PredictOptions = {}) => {
    const form = new FormData();
    form.append("image", image, name);
    if (opts.topK) form.append("top_k", String(opts.topK));
    if (opts.threshold !== undefined) form.append("threshold", String(opts.threshold));
    return postMultipart<PredictResponse>(`${MV(id)}predict/`, form);
  },
};

export const serviceTokens = {
  list: (projectId: number) => get<Page<ServiceToken>>(`${P(projectId)}service-tokens/`),
  create: (projectId: number, name: string) =>
    post<ServiceTokenCreated>(`${P(projectId)}service-tokens/`, { name }),
  revoke: (id: number) => request<ServiceToken>("DELETE", `/api/v1/service-tokens/${id}/`),
};

export const projectPredictPath = (projectId: number): string => `${P(projectId)}predict/`;
export const modelUrl = (projectId: number, versionId: number): string =>
  `/projects/${projectId}/models/${versionId}/`;
export const compareUrl = (projectId: number, a: number, b: number): string =>
  `/projects/${projectId}/models/compare/?a=${a}&b=${b}`;

/* ---------- auto-annotation, review, webhooks (appended) ---------- */

import type {
  AutoAnnotateBody,
  AutoAnnotationRun,
  Webhook,
  WebhookDelivery,
  WebhookEvent,
} from "./types";

const AR = (id: number): string => `/api/v1/auto-annotation-runs/${id}/`;

export const autoAnnotate = {
  start: (projectId: number, body: AutoAnnotateBody) =>
    post<AutoAnnotationRun>(`${P(projectId)}auto-annotate/`, body),
  list: (projectId: number) => get<Page<AutoAnnotationRun>>(`${P(projectId)}auto-annotation-runs/`),
  get: (id: number) => get<AutoAnnotationRun>(AR(id)),
  cancel: (id: number) => post<AutoAnnotationRun>(`${AR(id)}cancel/`, {}),
};

export const review = {
  /** Accept or reject one prediction (409 stale_version with `current`, like PATCH). */
  annotation: (id: number, action: "accept" | "reject", version: number) =>
    post<AnnotationRecord>(`/api/v1/annotations/${id}/review/`, { action, version }),
  /** Accept or reject every pending prediction on the image scoring >= minScore. */
  image: (imageId: number, action: "accept" | "reject", minScore = 0) =>
    post<{ results: AnnotationRecord[] }>(`/api/v1/images/${imageId}/review/`, { action, min_score: minScore }),
  revertVersion: (versionId: number) =>
    post<{ removed: number }>(`${MV(versionId)}revert-predictions/`, {}),
};

export type WebhookInput = { url: string; events: WebhookEvent[]; active?: boolean };

export const webhooks = {
  list: (projectId: number) => get<Page<Webhook> | Webhook[]>(`${P(projectId)}webhooks/`),
  create: (projectId: number, body: WebhookInput) => post<Webhook>(`${P(projectId)}webhooks/`, body),
  update: (id: number, body: Partial<WebhookInput>) => patch<Webhook>(`/api/v1/webhooks/${id}/`, body),
  remove: (id: number) => del(`/api/v1/webhooks/${id}/`),
  test: (id: number) => post<unknown>(`/api/v1/webhooks/${id}/test/`, {}),
  deliveries: (id: number) => get<Page<WebhookDelivery>>(`/api/v1/webhooks/${id}/deliveries/`),
};

/** The image list a finished run should be reviewed from: its predictions, most uncertain first. */
export const reviewListUrl = (projectId: number): string =>
  `/projects/${projectId}/?review=pending&order=uncertain#images`;
