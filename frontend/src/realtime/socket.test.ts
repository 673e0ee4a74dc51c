import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProjectSocket, projectSocketUrl, type SocketState } from "./socket";

describe("projectSocketUrl", () => {
  it("builds the websocket url from the page location", () => {
    expect(projectSocketUrl(3, { protocol: "https:", host: "lf.example:8443" })).toBe("wss://lf.example:8443/ws/projects/3/");
    expect(projectSocketUrl(3, { protocol: "http:", host: "localhost" })).toBe("ws://localhost/ws/projects/3/");
  });
});

class FakeWebSocket {
  static made: FakeWebSocket[] = [];
  readyState = 0;
  closed = false;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeWebSocket.made.push(this);
  }
  send(): void {}
  close(): void {
    this.closed = true;
  }
  hello(): void {
    this.readyState = 1;
    this.onmessage?.({ data: JSON.stringify({ type: "hello", payload: {} }) });
  }
}

describe("ProjectSocket", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.made = [];
    vi.stubGlobal("WebSocket", FakeWebSocket);
    vi.stubGlobal("window", globalThis);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("abandons a handshake that never says hello and tries again", () => {
    const states: SocketState[] = [];
    const socket = new ProjectSocket("ws://x/ws/projects/1/", (s) => states.push(s), 10_000);
    socket.start();
    expect(FakeWebSocket.made).toHaveLength(1);
    vi.advanceTimersByTime(9_999);
    expect(states).toEqual(["connecting"]);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.made[0]!.closed).toBe(true);
    expect(states).toEqual(["connecting", "offline"]);
    vi.advanceTimersByTime(1_000); // the first backoff is at most 1 s
    expect(FakeWebSocket.made).toHaveLength(2);
    FakeWebSocket.made[1]!.hello();
    vi.advanceTimersByTime(60_000); // live: no timeout fires any more
    expect(states).toEqual(["connecting", "offline", "connecting", "live"]);
    expect(FakeWebSocket.made).toHaveLength(2);
    socket.stop();
  });

  it("a refused socket (4403) stays refused", () => {
    const states: SocketState[] = [];
    new ProjectSocket("ws://x/", (s) => states.push(s)).start();
    FakeWebSocket.made[0]!.onclose?.({ code: 4403 });
    vi.advanceTimersByTime(60_000);
    expect(states).toEqual(["connecting", "refused"]);
    expect(FakeWebSocket.made).toHaveLength(1);
  });
});
