/** The project page: header summary, hash-routed tabs, the websocket and page shortcuts. */
import { inboxRefresh } from "../../ui/inbox";
import { projects } from "../../api/projects";
import { byId, isTyping } from "../../lib/dom";
import { formatCount } from "../../lib/format";
import { atLeast, parseRole } from "../../lib/roles";
import { ProjectSocket, projectSocketUrl, type SocketState } from "../../realtime/socket";
import { toast } from "../../ui/toast";
import { liveBadge } from "../widgets/live-badge";
import { LabelStore, type ProjectContext } from "./context";
import { mountCuration } from "./curation";
import { mountDatasets } from "./datasets";
import { mountImages, type ImagesTab } from "./images";
import { mountTeam } from "./team";
import { mountLabels } from "./labels";
import { mountMembers } from "./members";
import { mountModels } from "./models";
import { mountSplit } from "./split";
import { mountTraining } from "./training";
import { mountUpload, type UploadTab } from "./upload";
import { mountWebhooks } from "./webhooks";
import { mountWorkbench } from "./workbench";

const SOCKET_TEXT: Record<SocketState, string> = {
  connecting: "Connecting…", live: "Live", offline: "Offline — reconnecting", refused: "Live updates refused",
};

export function mountProject(): void {
  const app = byId("app");
  if (!app) return;
  const projectId = Number(app.dataset.projectId);
  const role = parseRole(app.dataset.role);
  const socket = new ProjectSocket(projectSocketUrl(projectId, window.location), liveBadge(byId("live"), SOCKET_TEXT));

  let images: ImagesTab | null = null;
  let upload: UploadTab | null = null;
  const mounted = new Set<string>();
  const tabs = Array.from(document.querySelectorAll<HTMLAnchorElement>("[data-tab]"));
  const panels = Array.from(document.querySelectorAll<HTMLElement>("[data-panel]"));
  const available = new Set(tabs.map((t) => t.dataset.tab ?? ""));

  const ctx: ProjectContext = {
    projectId,
    role,
    username: app.dataset.username ?? "",
    canManage: atLeast(role, "manager"),
    isOwner: atLeast(role, "owner"),
    labels: new LabelStore(projectId),
    socket,
    refreshImages: () => images?.reload(),
    refreshSummary: () => void refreshSummary(),
    showTab: (name) => {
      if (window.location.hash !== `#${name}`) window.location.hash = name;
      show(name);
    },
  };

  function mount(name: string, el: HTMLElement): void {
    if (mounted.has(name)) return;
    mounted.add(name);
    if (name === "images") images = mountImages(el, ctx);
    else if (name === "upload") upload = mountUpload(el, ctx);
    else if (name === "labels") mountLabels(el, ctx);
    else if (name === "members") mountMembers(el, ctx);
    else if (name === "split") mountSplit(el, ctx);
    else if (name === "training") mountTraining(el, ctx);
    else if (name === "models") mountModels(el, ctx);
    else if (name === "integrations") mountWebhooks(el, ctx);
    else if (name === "datasets") mountDatasets(el, ctx);
    else if (name === "dataset") mountWorkbench(el, ctx);
    else if (name === "curation") mountCuration(el, ctx);
    else if (name === "team") mountTeam(el, ctx);
  }

  function show(name: string): void {
    const tab = available.has(name) ? name : "images";
    for (const t of tabs) {
      const on = t.dataset.tab === tab;
      t.setAttribute("aria-selected", String(on));
      t.classList.toggle("active", on);
    }
    for (const p of panels) {
      const on = p.dataset.panel === tab;
      p.hidden = !on;
      if (on) mount(tab, p);
    }
  }

  async function refreshSummary(): Promise<void> {
    try {
      const p = await projects.get(projectId);
      const stat = byId("stat-images");
      if (stat) stat.textContent = formatCount(p.image_count ?? 0);
    } catch {
      /* the header keeps its last value */
    }
  }

  window.addEventListener("hashchange", () => show(window.location.hash.slice(1)));
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e)) return;
    if (document.body.classList.contains("drawer-open")) return;
    if (e.key === "/") {
      e.preventDefault();
      ctx.showTab("images");
      images?.focusFilters();
    } else if (e.key === "u" && available.has("upload")) {
      e.preventDefault();
      ctx.showTab("upload");
      upload?.focus();
    } else if (e.key === "?") {
      toast("Shortcuts: / filter · u upload · Enter open image · ←/→ previous/next · Esc close");
    }
  });

  ctx.labels.load().catch(() => toast("Could not load the project's labels.", "error"));
  show(window.location.hash.slice(1) || "images");
  if (!mounted.has("images")) {
    const el = panels.find((p) => p.dataset.panel === "images");
    if (el) mount("images", el);
  }
  socket.on("notification.created", () => inboxRefresh());
  socket.on("images.split", () => void refreshSummary());
  socket.on("images.curated", () => images?.reload());
  socket.start();
  void refreshSummary();
}
