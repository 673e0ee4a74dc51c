/** The realtime badge of the project, run and model pages (#live in the shell): its state and word. */
import type { SocketState } from "../../realtime/socket";

const TEXT: Record<SocketState, string> = { live: "Live", refused: "No live updates", offline: "Offline", connecting: "Connecting" };

/** A socket-state listener that paints `el` (nothing when the shell has no badge); `titles` adds a tooltip. */
export function liveBadge(el: HTMLElement | null, titles?: Record<SocketState, string>): (state: SocketState) => void {
  return (state) => {
    if (!el) return;
    el.dataset.state = state;
    if (titles) el.title = titles[state];
    const text = el.querySelector("span");
    if (text) text.textContent = TEXT[state];
  };
}
