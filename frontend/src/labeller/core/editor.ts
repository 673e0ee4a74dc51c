/**
 * Every user edit goes through here: it changes the store (origin LOCAL, which the outbox
 * saves) and records an undoable command. Undo and redo take the very same path.
 */
import type { Box, Rle } from "../../api/annotations";
import { History, type Command, type Shape, type Snapshot } from "./history";
import type { Interaction } from "./selection";
import { AnnotationStore, LOCAL, newClientId, sameBox, sameRings, type Ann, type Rings } from "./store";

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

  createMask(label: number, mask: Rle): Ann {
    return this.create({ kind: "mask", label, box: null, mask: { size: [mask.size[0], mask.size[1]], counts: mask.counts } });
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

  /** A polygon's new rings (vertices moved, added or taken away; the whole moved). */
  updateRings(key: string, rings: Rings): boolean {
    const ann = this.store.get(key);
    if (!ann || ann.kind !== "polygon" || sameRings(ann.rings ?? null, rings)) return false;
    return this.record({ type: "update", key, before: shapeOf(ann), after: { ...shapeOf(ann), rings: copyRings(rings) } });
  }

  /** A mask's new pixels (a brush or eraser stroke). */
  updateMask(key: string, mask: Rle): boolean {
    const ann = this.store.get(key);
    if (!ann || ann.kind !== "mask" || ann.mask?.counts === mask.counts) return false;
    return this.record({ type: "update", key, before: shapeOf(ann), after: { ...shapeOf(ann), mask } });
  }

  setLabel(key: string, label: number): boolean {
    const ann = this.store.get(key);
    if (!ann || ann.label === label) return false;
    return this.record({ type: "update", key, before: shapeOf(ann), after: { ...shapeOf(ann), label } });
  }

  /**
   * Put other annotations in place of one (a polygon converted to a mask, a mask to its
   * regions' polygons): one undo step brings the old one back and takes the new ones away.
   */
  replace(key: string, snaps: Snapshot[]): Ann[] | null {
    const old = this.store.get(key);
    if (!old) return null;
    const del: Command = { type: "delete", key, snap: snapshot(old) };
    this.apply(del);
    const made = snaps.map((snap) => this.store.add(this.fields(snap), LOCAL));
    this.history.push({ type: "group", cmds: [del, ...made.map((a, i): Command => ({ type: "create", key: a.key, snap: snaps[i]! }))] });
    return made;
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
        const patch: { label?: number; box?: Box; rings?: Rings; mask?: Rle } = {};
        const after = cmd.after;
        if (ann.label !== after.label) patch.label = after.label;
        if (ann.kind === "box" && after.box && !sameBox(ann.box, after.box)) patch.box = after.box;
        if (ann.kind === "polygon" && after.rings && !sameRings(ann.rings ?? null, after.rings)) patch.rings = copyRings(after.rings);
        if (ann.kind === "mask" && after.mask && ann.mask?.counts !== after.mask.counts) patch.mask = after.mask;
        if (Object.keys(patch).length === 0) return true;
        store.update(cmd.key, patch, LOCAL);
        return true;
      }
      case "group": {
        // All or nothing: a group whose parts no longer apply is dropped whole.
        if (!cmd.cmds.every((c) => this.applies(c))) return false;
        for (const c of cmd.cmds) this.apply(c);
        return true;
      }
    }
  }

  private applies(cmd: Command): boolean {
    if (cmd.type === "create") return !this.store.get(cmd.key);
    if (cmd.type === "group") return cmd.cmds.every((c) => this.applies(c));
    return !!this.store.get(cmd.key);
  }

  private fields(snap: Snapshot) {
    return {
      id: null,
      clientId: this.makeClientId(),
      kind: snap.kind,
      label: snap.label,
      box: snap.box ? { ...snap.box } : null,
      rings: snap.rings ?? null,
      mask: snap.mask ?? null,
      source: "human" as const,
      score: null,
      review: "none",
      version: 0,
    };
  }
}

export function snapshot(ann: Ann): Snapshot {
  return { kind: ann.kind, label: ann.label, box: ann.box ? { ...ann.box } : null, rings: ann.rings ?? null, mask: ann.mask ?? null };
}

function shapeOf(ann: Ann): Shape {
  return { label: ann.label, box: ann.box, rings: ann.rings ?? null, mask: ann.mask ?? null };
}

function copyRings(rings: Rings): Rings {
  return rings.map((r) => r.map(([x, y]) => [x, y]));
}
