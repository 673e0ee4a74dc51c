/**
 * Every user edit goes through here: it changes the store (origin LOCAL, which the outbox
 * saves) and records an undoable command. Undo and redo take the very same path.
 */
import type { Box } from "../../api/annotations";
import { History, type Command, type Snapshot } from "./history";
import type { Interaction } from "./selection";
import { AnnotationStore, LOCAL, newClientId, sameBox, type Ann, type Rings } from "./store";

export class Editor {
  constructor(
    readonly store: AnnotationStore,
    readonly history: History = new History(),
    readonly interaction: Interaction | null = null,
    private readonly makeClientId: () => string = newClientId,
  ) {}

  createBox(label: number, box: Box): Ann {
    return this.create({ kind: "box", label, box: { ...box } });
  }

  createPolygon(label: number, rings: Rings): Ann {
    return this.create({ kind: "polygon", label, box: null, rings: rings.map((r) => r.map(([x, y]) => [x, y])) });
  }

  createTag(label: number): Ann {
    return this.create({ kind: "tag", label, box: null });
  }

  /** Tag on when absent, off when present. Returns true when the tag is now on. */
  toggleTag(label: number): boolean {
    const tag = this.store.tagFor(label);
    if (tag) {
      this.remove(tag.key);
      return false;
    }
    this.createTag(label);
    return true;
  }

  updateBox(key: string, box: Box): boolean {
    const ann = this.store.get(key);
    if (!ann || ann.kind !== "box" || sameBox(ann.box, box)) return false;
    return this.record({ type: "update", key, before: { label: ann.label, box: ann.box }, after: { label: ann.label, box: { ...box } } });
  }

  setLabel(key: string, label: number): boolean {
    const ann = this.store.get(key);
    if (!ann || ann.label === label) return false;
    return this.record({ type: "update", key, before: { label: ann.label, box: ann.box }, after: { label, box: ann.box } });
  }

  remove(key: string): boolean {
    const ann = this.store.get(key);
    if (!ann) return false;
    return this.record({ type: "delete", key, snap: snapshot(ann) });
  }

  undo(): boolean {
    return this.history.undo((cmd) => this.apply(cmd)) !== null;
  }

  redo(): boolean {
    return this.history.redo((cmd) => this.apply(cmd)) !== null;
  }

  private create(snap: Snapshot): Ann {
    const ann = this.store.add(this.fields(snap), LOCAL);
    this.history.push({ type: "create", key: ann.key, snap });
    return ann;
  }

  private record(cmd: Command): boolean {
    if (!this.apply(cmd)) return false;
    this.history.push(cmd);
    return true;
  }

  /** Run one command against the store (LOCAL). */
  apply(cmd: Command): boolean {
    const store = this.store;
    switch (cmd.type) {
      case "create": {
        if (store.get(cmd.key)) return false;
        store.add(this.fields(cmd.snap), LOCAL, cmd.key);
        return true;
      }
      case "delete": {
        if (!store.get(cmd.key)) return false;
        this.interaction?.forget(cmd.key);
        store.remove(cmd.key, LOCAL);
        return true;
      }
      case "update": {
        const ann = store.get(cmd.key);
        if (!ann) return false;
        const patch: { label?: number; box?: Box } = {};
        if (ann.label !== cmd.after.label) patch.label = cmd.after.label;
        if (ann.kind === "box" && cmd.after.box && !sameBox(ann.box, cmd.after.box)) patch.box = cmd.after.box;
        if (patch.label === undefined && patch.box === undefined) return true;
        store.update(cmd.key, patch, LOCAL);
        return true;
      }
    }
  }

  private fields(snap: Snapshot) {
    return {
      id: null,
      clientId: this.makeClientId(),
      kind: snap.kind,
      label: snap.label,
      box: snap.box ? { ...snap.box } : null,
      rings: snap.rings ?? null,
      source: "human" as const,
      score: null,
      review: "none",
      version: 0,
    };
  }
}

export function snapshot(ann: Ann): Snapshot {
  return { kind: ann.kind, label: ann.label, box: ann.box ? { ...ann.box } : null, rings: ann.rings ?? null };
}
