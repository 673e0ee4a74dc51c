/** Team statistics (managers) and the labeller's active-time reports. */
import { get, post } from "./http";
import { projectPath } from "./common";

export interface MemberStats {
  username: string;
  /** False: worked here in the window, no longer a member. */
  member: boolean;
  images_done: number;
  boxes: number;
  tags: number;
  /** Polygons and masks they made. */
  shapes: number;
  accepted: number;
  rejected: number;
  rejection_rate: number | null;
  reviewed: number;
  active_seconds: number;
  gold_agreement: number | null;
}

export interface DayStats {
  /** "YYYY-MM-DD" (server date). */
  day: string;
  username: string;
  images_done: number;
  boxes: number;
  tags: number;
  /** Polygons and masks they made. */
  shapes: number;
  accepted: number;
  rejected: number;
  reviewed: number;
  active_seconds: number;
}

export const team = {
  stats: (projectId: number, days: number) => get<MemberStats[]>(`${projectPath(projectId)}team-stats/?days=${days}`),
  daily: (projectId: number, days: number) => get<DayStats[]>(`${projectPath(projectId)}team-stats/daily/?days=${days}`),
  csvUrl: (projectId: number, days: number): string => `${projectPath(projectId)}team-stats/csv/?days=${days}`,
  activity: (projectId: number, seconds: number) => post<{ today: number }>(`${projectPath(projectId)}activity/`, { seconds }),
};
