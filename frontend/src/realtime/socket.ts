/**
 * The project websocket: typed events in, reconnect with backoff out. A 4403 close means
 * "not a member" and is final; anything else reconnects. An attempt that has not said
 * "hello" within `helloTimeoutMs` (a handshake stuck on a server whose Redis just came back)
 * is abandoned and retried like a lost connection, so a page never stays "connecting".
 */
import type { RealtimeEvent } from "../api/realtime";
import { backoffDelay } from "../lib/backoff";

export type SocketState = "connecting" | "live" | "offline" | "refused";

const CLOSE_FORBIDDEN = 4403;
export const HELLO_TIMEOUT_MS = 10_000;

export function projectSocketUrl(projectId: number, loc: { protocol: string; host: string }): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}/ws/projects/${projectId}/`;
}

export class ProjectSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: number | null = null;
  private helloTimer: number | null = null;
  private stopped = false;
  private readonly handlers = new Map<string, Set<(payload: unknown) => void>>();

  constructor(
    private readonly url: string,
    private readonly onState: (state: SocketState) => void = () => {},
    private readonly helloTimeoutMs: number = HELLO_TIMEOUT_MS,
  ) {}

  on(type: string, fn: (payload: unknown) => void): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(fn);
    return () => set!.delete(fn);
  }

  /** Send one JSON message when connected; false when not (callers resend after "hello"). */
  send(obj: unknown): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1 /* WebSocket.OPEN */) return false;
    try {
      ws.send(JSON.stringify(obj));
      return true;
    } catch {
      return false;
    }
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.clearHelloTimer();
    this.ws?.close(1000);
    this.ws = null;
  }

  private connect(): void {
    this.onState("connecting");
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.schedule();
      return;
    }
    this.ws = ws;
    ws.onmessage = (msg) => this.dispatch(msg.data);
    ws.onclose = (e) => this.lost(ws, e.code);
    this.helloTimer = window.setTimeout(() => {
      this.lost(ws, 0);
      ws.close();
    }, this.helloTimeoutMs);
  }

  private lost(ws: WebSocket, code: number): void {
    if (this.ws !== ws) return;
    this.ws = null;
    this.clearHelloTimer();
    if (this.stopped) return;
    if (code === CLOSE_FORBIDDEN) {
      this.onState("refused");
      return;
    }
    this.onState("offline");
    this.schedule();
  }

  private clearHelloTimer(): void {
    if (this.helloTimer !== null) window.clearTimeout(this.helloTimer);
    this.helloTimer = null;
  }

  private dispatch(data: unknown): void {
    if (typeof data !== "string") return;
    let event: RealtimeEvent;
    try {
      event = JSON.parse(data) as RealtimeEvent;
    } catch {
      return;
    }
    if (!event || typeof event.type !== "string") return;
    if (event.type === "hello") {
      this.attempt = 0;
      this.clearHelloTimer();
      this.onState("live");
    }
    for (const fn of this.handlers.get(event.type) ?? []) fn(event.payload);
    for (const fn of this.handlers.get("*") ?? []) fn(event);
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, { base: 1000, max: 30000 });
    this.timer = window.setTimeout(() => this.connect(), delay);
  }
}
