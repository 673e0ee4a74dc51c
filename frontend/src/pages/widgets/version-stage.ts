/** Pure rules about stages: names, which moves an owner may make, list upkeep. */
import type { TrainTask } from "../../api/common";
import type { ModelVersion, PromoteStage, Stage } from "../../api/models";

const STAGE_TEXT: Record<Stage, string> = {
  none: "None",
  staging: "Staging",
  production: "Production",
  archived: "Archived",
};

export const stageText = (s: string): string => (STAGE_TEXT as Record<string, string>)[s] ?? s;

export interface StageAction {
  stage: PromoteStage;
  /** Menu text, e.g. "Promote to production" or "Roll back to this version". */
  label: string;
  /** The dialog's confirm button. */
  verb: string;
  danger?: boolean;
}

const TO_STAGING: StageAction = { stage: "staging", label: "Promote to staging", verb: "Promote to staging" };
const TO_PROD: StageAction = { stage: "production", label: "Promote to production", verb: "Promote to production" };
const ARCHIVE: StageAction = { stage: "archived", label: "Archive", verb: "Archive", danger: true };
const ROLL_BACK: StageAction = { stage: "production", label: "Roll back to this version", verb: "Roll back" };

/** The moves the API accepts from here: only ready versions can be served; any can be archived. */
export function stageActions(v: Pick<ModelVersion, "stage" | "status">): StageAction[] {
  const ready = v.status === "ready";
  switch (v.stage) {
    case "none":
      return ready ? [TO_STAGING, TO_PROD, ARCHIVE] : [ARCHIVE];
    case "staging":
      return ready ? [TO_PROD, ARCHIVE] : [ARCHIVE];
    case "production":
      return [ARCHIVE];
    case "archived":
      return ready ? [ROLL_BACK, TO_STAGING] : [];
    default:
      return [];
  }
}

/** Newest version first. */
export function sortVersions<T extends Pick<ModelVersion, "version">>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => b.version - a.version);
}

/** Insert or replace by id (events carry the whole list-form version). */
export function upsertVersion<T extends Pick<ModelVersion, "id" | "version">>(list: readonly T[], v: T): T[] {
  const i = list.findIndex((x) => x.id === v.id);
  if (i < 0) return sortVersions([v, ...list]);
  const out = [...list];
  out[i] = { ...out[i]!, ...v };
  return sortVersions(out);
}

/** The production version per task (at most one each). */
export function productionByTask<T extends Pick<ModelVersion, "stage" | "task">>(list: readonly T[]): Map<TrainTask, T> {
  const out = new Map<TrainTask, T>();
  for (const v of list) if (v.stage === "production") out.set(v.task, v);
  return out;
}

/** What else a promotion changes, said before the owner confirms. */
export function promoteNote(
  v: Pick<ModelVersion, "id" | "task" | "version">,
  stage: PromoteStage,
  list: readonly Pick<ModelVersion, "id" | "stage" | "task" | "version">[],
): string {
  if (stage === "production") {
    const cur = list.find((x) => x.stage === "production" && x.task === v.task && x.id !== v.id);
    return cur
      ? `v${cur.version} serves ${v.task === "detect" ? "detection" : "classification"} now; it will be archived and v${v.version} will answer the predict API.`
      : `v${v.version} will answer the project's predict API.`;
  }
  if (stage === "archived") return `v${v.version} stays downloadable, and can be rolled back to later.`;
  return `Staging marks v${v.version} as the candidate; production traffic is not affected.`;
}

/** Keep at most two picks for comparing: a third pick drops the oldest. */
export function pickTwo(picked: readonly number[], id: number, on: boolean): number[] {
  const rest = picked.filter((x) => x !== id);
  if (!on) return rest;
  return [...rest, id].slice(-2);
}
