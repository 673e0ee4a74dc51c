import { describe, expect, it } from "vitest";
import { errorFromBody, readCookie } from "./http";

describe("http helpers", () => {
  it("reads the csrftoken cookie", () => {
    expect(readCookie("csrftoken", "sessionid=abc; csrftoken=t0k%3D; other=1")).toBe("t0k=");
    expect(readCookie("csrftoken", "csrftokenx=1")).toBe("");
  });

  it("builds user-facing errors from API bodies", () => {
    const e = errorFromBody(409, { detail: "A project must keep at least one owner.", code: "last_owner" }, "x");
    expect(e.message).toBe("A project must keep at least one owner.");
    expect(e.code).toBe("last_owner");
    expect(errorFromBody(500, "<html>", "Server failed").message).toBe("Server failed");
  });
});
