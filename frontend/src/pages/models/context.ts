/** What the model page's two views (one version, compare) share: set up once by model-page.ts. */
import type { ProjectSocket } from "../../realtime/socket";

export interface ModelPageContext {
  app: HTMLElement;
  projectId: number;
  isOwner: boolean;
  canManage: boolean;
  socket: ProjectSocket;
}
