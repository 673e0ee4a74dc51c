/**
 * The version page (/projects/{p}/models/{id}/) and the compare view
 * (/projects/{p}/models/compare/?a=&b=): one lazily loaded module, picked by data-mode.
 * Both follow the project websocket so stage and status changes show without a reload.
 */
import { byId } from "../../lib/dom";
import { ProjectSocket, projectSocketUrl, type SocketState } from "../../realtime/socket";
import { atLeast, parseRole } from "../project/context";
import { mountCompare } from "./compare-view";
import { mountVersion } from "./version-view";

export interface ModelPageContext {
  app: HTMLElement;
  projectId: number;
  isOwner: boolean;
  canManage: boolean;
  socket: ProjectSocket;
}

const LIVE_TEXT: Record<SocketState, string> = { live: "Live", refused: "No live updates", offline: "Offline", connecting: "Connecting" };

export function mountModel(): void {
  const app = byId("app");
  if (!app) return;
  const role = parseRole(app.dataset.role?.toLowerCase());
  const live = byId("live");
  const socket = new ProjectSocket(projectSocketUrl(Number(app.dataset.projectId), window.location), (state) => {
    if (!live) return;
    live.dataset.state = state;
    const text = live.querySelector("span");
    if (text) text.textContent = LIVE_TEXT[state];
  });
  const ctx: ModelPageContext = {
    app,
    projectId: Number(app.dataset.projectId),
    isOwner: atLeast(role, "owner"),
    canManage: atLeast(role, "manager"),
    socket,
  };
  if (app.dataset.mode === "compare") {
    const id = (v: string | undefined): number | null => (v && /^\d+$/.test(v) ? Number(v) : null);
    mountCompare(ctx, id(app.dataset.a), id(app.dataset.b));
  } else {
    mountVersion(ctx, Number(app.dataset.versionId));
  }
  socket.start();
  window.addEventListener("pagehide", () => socket.stop());
}
