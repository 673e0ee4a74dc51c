import { describe, expect, it } from "vitest";
import { deliveryOutcome, hasOpenDeliveries, normalizeEvents, resultsOf, validateWebhook } from "./webhook-rules";

describe("validateWebhook", () => {
  it("accepts an http(s) URL with known events", () => {
    expect(validateWebhook("https://hooks.example.com/lf", ["run.failed"])).toBeNull();
    expect(validateWebhook(" http://10.0.0.5:8080/x ", ["image.done", "model.promoted"])).toBeNull();
  });

  it("explains what is wrong", () => {
    expect(validateWebhook("", ["run.failed"])).toMatch(/Enter the URL/);
    expect(validateWebhook("example.com/hook", ["run.failed"])).toMatch(/full URL/);
    expect(validateWebhook("ftp://example.com/", ["run.failed"])).toMatch(/http/);
    expect(validateWebhook("https://example.com/", [])).toMatch(/at least one/);
    expect(validateWebhook("https://example.com/", ["run.exploded"])).toBe("Unknown event: run.exploded.");
  });
});

describe("events and deliveries", () => {
  it("keeps known events once each in the canonical order", () => {
    expect(normalizeEvents(["image.done", "run.succeeded", "image.done", "nope"])).toEqual(["run.succeeded", "image.done"]);
  });

  it("summarises what the receiver answered", () => {
    expect(deliveryOutcome({ response_status: 200, duration_ms: 84.4, error: "" })).toBe("200 · 84 ms");
    expect(deliveryOutcome({ response_status: null, duration_ms: null, error: "timed out" })).toBe("timed out");
    expect(deliveryOutcome({ response_status: null, duration_ms: null, error: "" })).toBe("—");
    expect(hasOpenDeliveries([{ status: "succeeded" }, { status: "retrying" }])).toBe(true);
    expect(hasOpenDeliveries([{ status: "failed" }])).toBe(false);
    expect(resultsOf([1, 2])).toEqual([1, 2]);
    expect(resultsOf({ results: [3] })).toEqual([3]);
  });
});
