/** What every tab of the project page shares: ids, role, the label list, hooks between tabs. */
import { type Label, labels as labelsApi } from "../../api/labels";
import type { Role } from "../../api/projects";
import type { ProjectSocket } from "../../realtime/socket";

/** The project's labels, loaded once and shared; tabs subscribe to changes. */
export class LabelStore {
  list: Label[] = [];
  private readonly subs = new Set<(labels: Label[]) => void>();
  private loaded: Promise<Label[]> | null = null;

  constructor(private readonly projectId: number) {}

  load(force = false): Promise<Label[]> {
    if (!this.loaded || force) {
      this.loaded = labelsApi.list(this.projectId).then((page) => {
        this.set(page.results);
        return this.list;
      });
      this.loaded.catch(() => {
        this.loaded = null;
      });
    }
    return this.loaded;
  }

  set(labels: Label[]): void {
    this.list = [...labels].sort((a, b) => a.name.localeCompare(b.name));
    for (const fn of this.subs) fn(this.list);
  }

  byId(id: number): Label | undefined {
    return this.list.find((l) => l.id === id);
  }

  subscribe(fn: (labels: Label[]) => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }
}

export interface ProjectContext {
  projectId: number;
  role: Role | null;
  username: string;
  canManage: boolean;
  isOwner: boolean;
  labels: LabelStore;
  socket: ProjectSocket;
  /** Reload the image grid (after uploads, splits). */
  refreshImages: () => void;
  /** Refetch the header summary (image count). */
  refreshSummary: () => void;
  /** Switch to a tab by name. */
  showTab: (name: string) => void;
}
