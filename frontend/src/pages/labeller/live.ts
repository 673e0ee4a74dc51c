/**
 * The project websocket for the labeller: remote annotation changes into the store,
 * image updates, presence (sent on open, on image change and every 20 s; shown as avatars
 * and in the People list), and a catch-up after reconnects.
 */
import type { Image } from "../../api/images";
import type { AnnotationStore } from "../../labeller/core/store";
import { applyCreated, applyDeleted, applyUpdated, type ApplyContext } from "../../labeller/realtime/apply";
import { dedupePresence, type PresenceUser } from "../../labeller/realtime/presence";
import type { Outbox } from "../../labeller/sync/outbox";
import { ProjectSocket, projectSocketUrl } from "../../realtime/socket";
import type { Header } from "./header";
import type { ImageCache } from "./loader";
import type { PeopleList } from "./people";
import type { StatusBar } from "./statusbar";

const HEARTBEAT_MS = 20_000;

export interface LiveDeps {
  projectId: number;
  me: string;
  store: AnnotationStore;
  outbox: Outbox;
  cache: ImageCache;
  statusbar: StatusBar;
  header: Header;
  people: PeopleList;
  /** The image on screen (null while loading). */
  current: () => Image | null;
  /** The image being opened, for presence before it has loaded. */
  target: () => number;
  /** A newer version of the image on screen arrived. */
  onImage: (fresh: Image) => void;
  /** The socket came back after a drop: events may have been missed. */
  onReconnect: () => void;
}

export interface Live {
  socket: ProjectSocket;
  /** Tell the others which image we are on (and repaint who is here). */
  announce: () => void;
}

export function connectLive(d: LiveDeps): Live {
  const socket = new ProjectSocket(projectSocketUrl(d.projectId, window.location), (s) => d.statusbar.setLive(s));
  let presence: PresenceUser[] = [];

  const ctx = (): ApplyContext | null => {
    const image = d.current();
    return image ? { store: d.store, imageId: image.id, hasPending: (cid) => d.outbox.hasPending(cid) } : null;
  };
  const annotationEvent = (apply: typeof applyCreated) => (payload: unknown): void => {
    const c = ctx();
    const imageId = (payload as { image?: unknown } | null)?.image;
    if (!c || (typeof imageId === "number" && imageId !== c.imageId)) {
      // Another image changed: its prefetched annotations are stale now.
      if (typeof imageId === "number") d.cache.forgetAnnotations(imageId);
      return;
    }
    apply(c, payload);
  };
  socket.on("annotation.created", annotationEvent((c, p) =>
    (p as { review?: unknown } | null)?.review === "rejected" ? "ignored" : applyCreated(c, p)));
  // A rejected prediction is hidden: for this page its update is a removal.
  socket.on("annotation.updated", annotationEvent((c, p) =>
    (p as { review?: unknown } | null)?.review === "rejected" ? applyDeleted(c, p) : applyUpdated(c, p)));
  socket.on("annotation.deleted", annotationEvent(applyDeleted));
  socket.on("image.updated", (payload) => {
    const fresh = payload as Image;
    if (!fresh || typeof fresh.id !== "number") return;
    d.cache.setMeta(fresh);
    if (d.current()?.id === fresh.id) d.onImage(fresh);
  });

  const paint = (): void => {
    const id = d.current()?.id ?? d.target();
    d.people.set(presence, id);
    d.header.setPresence(presence.filter((u) => u.image === id), d.me);
  };
  const announce = (): void => {
    socket.send({ type: "presence.update", payload: { image: d.current()?.id ?? d.target() } });
    paint();
  };
  socket.on("presence.state", (payload) => {
    presence = dedupePresence((payload as { users?: unknown } | null)?.users, d.current()?.id ?? d.target());
    paint();
  });

  let greeted = false;
  socket.on("hello", () => {
    announce();
    if (greeted) {
      d.outbox.wake();
      d.onReconnect();
    }
    greeted = true;
  });
  window.setInterval(announce, HEARTBEAT_MS);
  socket.start();
  return { socket, announce };
}
