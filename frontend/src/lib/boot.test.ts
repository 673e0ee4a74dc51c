import { describe, expect, it } from "vitest";
import { goldFactor, goldToggleWeight, parseBoot } from "./boot";

describe("boot config", () => {
  it("reads the sample weights the server rendered", () => {
    const config = parseBoot('{"gold_sample_weight": 4.0, "normal_sample_weight": 1.0}');
    expect(config).toEqual({ gold_sample_weight: 4, normal_sample_weight: 1 });
    expect(goldToggleWeight(false, config)).toBe(4);
    expect(goldToggleWeight(true, config)).toBe(1);
    expect(goldToggleWeight(false, { gold_sample_weight: 7, normal_sample_weight: 1 })).toBe(7);
    expect(goldFactor(config)).toBe("4×");
    expect(goldFactor({ gold_sample_weight: 2.5, normal_sample_weight: 1 })).toBe("2.5×");
  });

  it("fails loudly instead of guessing a weight", () => {
    expect(() => parseBoot(null)).toThrow(/gold_sample_weight/);
    expect(() => parseBoot('{"gold_sample_weight": "4"}')).toThrow(/gold_sample_weight/);
    expect(() => parseBoot('{"gold_sample_weight": 4}')).toThrow(/normal_sample_weight/);
  });
});
