/**
 * The run log as text: chunks read from /log/?offset= (authoritative, byte offsets) merged
 * with lines pushed over the websocket (fast, but may overlap a chunk or miss lines while
 * offline). Lines shown ahead of the server offset are "pending"; a chunk that contains them
 * replaces them instead of repeating them. Pure: the view renders `committed` + `pending`.
 */

export interface LogState {
  /** Text read from the server up to `offset`. */
  committed: string;
  /** Lines from websocket events not (yet) covered by a chunk. */
  pending: string[];
  offset: number;
}

export const emptyLog = (): LogState => ({ committed: "", pending: [], offset: 0 });

export function splitLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  // The server stores each line right-stripped; compare the same way.
  return lines.map((l) => l.trimEnd());
}

/**
 * Where the pending lines start inside the chunk's lines: the smallest j such that the
 * chunk from j on agrees with the start of `pending` (as far as both go); chunk.length when
 * they do not overlap at all.
 */
export function overlapStart(chunk: readonly string[], pending: readonly string[]): number {
  if (!pending.length) return chunk.length;
  for (let j = 0; j < chunk.length; j++) {
    const m = Math.min(pending.length, chunk.length - j);
    let ok = true;
    for (let i = 0; i < m; i++) {
      if (chunk[j + i] !== pending[i]) {
        ok = false;
        break;
      }
    }
    if (ok) return j;
  }
  return chunk.length;
}

/** A chunk read at `state.offset`: commit it and drop the pending lines it covers. */
export function applyChunk(state: LogState, text: string, nextOffset: number, maxChars = 1_000_000): LogState {
  const lines = splitLines(text);
  const j = overlapStart(lines, state.pending);
  const covered = Math.min(state.pending.length, lines.length - j);
  let committed = state.committed + text;
  if (committed.length > maxChars) committed = trimToLine(committed, maxChars);
  return { committed, pending: state.pending.slice(covered), offset: nextOffset };
}

/** Lines pushed by the server over the websocket. */
export function applyLines(state: LogState, lines: readonly string[], maxPending = 5000): LogState {
  if (!lines.length) return state;
  const pending = [...state.pending, ...lines.map((l) => l.trimEnd())];
  return { ...state, pending: pending.length > maxPending ? pending.slice(-maxPending) : pending };
}

/** The last ~maxChars of text, starting at a line boundary, with a marker line. */
export function trimToLine(text: string, maxChars: number): string {
  const cut = text.length - maxChars;
  const nl = text.indexOf("\n", cut);
  return `… (earlier lines not shown)\n${text.slice(nl < 0 ? cut : nl + 1)}`;
}

export function logText(state: LogState): string {
  if (!state.pending.length) return state.committed;
  const sep = state.committed && !state.committed.endsWith("\n") ? "\n" : "";
  return `${state.committed}${sep}${state.pending.join("\n")}\n`;
}
