/**
 * The version page (/projects/{p}/models/{id}/) and the compare view
 * (/projects/{p}/models/compare/?a=&b=): one lazily loaded module, picked by data-mode.
 * Both follow the project websocket so stage and status changes show without a reload.
 */
import { byId } from "../../lib/dom";
import { atLeast, parseRole } from "../../lib/roles";
import { ProjectSocket, projectSocketUrl } from "../../realtime/socket";
import { liveBadge } from "../widgets/live-badge";
import { mountCompare } from "./compare-view";
import type { ModelPageContext } from "./context";
import { mountVersion } from "./version-view";

export function mountModel(): void {
  const app = byId("app");
  if (!app) return;
  const role = parseRole(app.dataset.role?.toLowerCase());
  const socket = new ProjectSocket(projectSocketUrl(Number(app.dataset.projectId), window.location), liveBadge(byId("live")));
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
