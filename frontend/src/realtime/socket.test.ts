import { describe, expect, it } from "vitest";
import { projectSocketUrl } from "./socket";

describe("projectSocketUrl", () => {
  it("builds the websocket url from the page location", () => {
    expect(projectSocketUrl(3, { protocol: "https:", host: "lf.example:8443" })).toBe("wss://lf.example:8443/ws/projects/3/");
    expect(projectSocketUrl(3, { protocol: "http:", host: "localhost" })).toBe("ws://localhost/ws/projects/3/");
  });
});
