/** Pure helpers for the Team tab's gold and consensus cards. */
import type { ConsensusDetail } from "../api/quality";

/** A heat colour for an agreement 0..1: red (0) through amber to green (1); grey when unknown. */
export function agreementColor(value: number | null): string {
  if (value === null) return "hsl(0 0% 88%)";
  const v = Math.min(1, Math.max(0, value));
  return `hsl(${Math.round(v * 120)} 65% ${Math.round(78 - v * 18)}%)`;
}

export interface TagRow {
  label: string;
  votes: number;
  kept: boolean;
  /** Who gave it, in the detail's order. */
  by: string[];
}

/** Every tag anyone gave, with its votes, whether the merge keeps it and who gave it. */
export function tagRows(detail: ConsensusDetail): TagRow[] {
  const kept = new Set(detail.merged.tags.map((t) => t.label));
  return detail.merged.tag_votes.map((t) => ({
    label: t.label,
    votes: t.votes,
    kept: kept.has(t.label),
    by: detail.annotators.filter((a) => a.tags.includes(t.label)).map((a) => a.username),
  }));
}

/** Every label a gold report scores, sorted, for the heatmap's columns. */
export function goldLabels(rows: { by_label: { label: string }[] }[]): string[] {
  return [...new Set(rows.flatMap((r) => r.by_label.map((l) => l.label)))].sort();
}
