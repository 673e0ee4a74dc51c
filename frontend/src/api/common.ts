/** Wire shapes shared by several resources of the Labelforge REST API v1 (see DESIGN.md "Public API"). */

export interface Page<T> {
  results: T[];
  next: string | null;
}

/** What a model is trained for; runs, versions and pre-labelling all name it. */
export type TrainTask = "classify" | "detect" | "segment" | "semantic";

/** One training parameter's value (runs send them, versions keep the ones they were trained with). */
export type ParamValue = number | string | boolean | null;

/** A model version's lifecycle; runs name it for the version they registered. */
export type VersionStatus = "pending" | "ready" | "failed";

/** `/api/v1/projects/{id}/`: the prefix of every project-scoped endpoint. */
export const projectPath = (id: number): string => `/api/v1/projects/${id}/`;
