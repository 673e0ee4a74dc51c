/** A member's role in a project, as the page shell renders it (data-role), and what it allows. */
import type { Role } from "../api/projects";

const RANK: Record<Role, number> = { annotator: 1, reviewer: 2, manager: 3, owner: 4 };

export function atLeast(role: Role | null, min: Role): boolean {
  return role !== null && RANK[role] >= RANK[min];
}

export function parseRole(value: string | undefined): Role | null {
  return value !== undefined && Object.hasOwn(RANK, value) ? (value as Role) : null;
}
