/**
 * Undo/redo as a stack of commands that know their inverse. A command names its
 * annotation by store key (stable: undo of a delete brings it back under the same key,
 * as a new annotation with a new client id, so older commands still find it).
 */
import type { Box, Rle } from "../../api/annotations";
import type { Kind, Rings } from "./store";

/** What undo needs to bring an annotation back. */
export interface Snapshot {
  kind: Kind;
  label: number;
  box: Box | null;
  rings?: Rings | null;
  mask?: Rle | null;
}

/** What an update changes: the label, and the geometry of the annotation's kind. */
export interface Shape {
  label: number;
  box: Box | null;
  rings?: Rings | null;
  mask?: Rle | null;
}

export type Command =
  | { type: "create"; key: string; snap: Snapshot }
  | { type: "delete"; key: string; snap: Snapshot }
  | { type: "update"; key: string; before: Shape; after: Shape }
  /** Several commands undone and redone as one (a polygon converted to a mask). */
  | { type: "group"; cmds: Command[] };

export function invert(cmd: Command): Command {
  switch (cmd.type) {
    case "create":
      return { type: "delete", key: cmd.key, snap: cmd.snap };
    case "delete":
      return { type: "create", key: cmd.key, snap: cmd.snap };
    case "update":
      return { type: "update", key: cmd.key, before: cmd.after, after: cmd.before };
    case "group":
      return { type: "group", cmds: cmd.cmds.map(invert).reverse() };
  }
}

/** Runs a command against the store; false when it no longer applies (e.g. deleted remotely). */
export type Apply = (cmd: Command) => boolean;

const DEFAULT_CAP = 500;

export class History {
  private done: Command[] = [];
  private undone: Command[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(readonly cap: number = DEFAULT_CAP) {}

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  get undoDepth(): number {
    return this.done.length;
  }

  get redoDepth(): number {
    return this.undone.length;
  }

  on(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Record a command that was just applied; a new command clears redo. */
  push(cmd: Command): void {
    this.done.push(cmd);
    if (this.done.length > this.cap) this.done.splice(0, this.done.length - this.cap);
    this.undone = [];
    this.emit();
  }

  /** Undo the newest command that still applies; commands that no longer do are dropped. */
  undo(apply: Apply): Command | null {
    while (this.done.length) {
      const cmd = this.done.pop()!;
      if (apply(invert(cmd))) {
        this.undone.push(cmd);
        this.emit();
        return cmd;
      }
    }
    this.emit();
    return null;
  }

  redo(apply: Apply): Command | null {
    while (this.undone.length) {
      const cmd = this.undone.pop()!;
      if (apply(cmd)) {
        this.done.push(cmd);
        this.emit();
        return cmd;
      }
    }
    this.emit();
    return null;
  }

  clear(): void {
    this.done = [];
    this.undone = [];
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
