import { describe, expect, it } from "vitest";
import { compareUrl, fineTuneUrl, labellerImageId, labellerUrl, modelUrl, projectTabUrl, projectUrl, reviewListUrl, runUrl } from "./urls";

describe("page urls", () => {
  it("builds each page's path as Django serves it", () => {
    expect(projectUrl(3)).toBe("/projects/3/");
    expect(projectUrl(3, "?status=new")).toBe("/projects/3/?status=new");
    expect(projectTabUrl(3, "models")).toBe("/projects/3/#models");
    expect(fineTuneUrl(3, 9)).toBe("/projects/3/?init_from=9#training");
    expect(reviewListUrl(3)).toBe("/projects/3/?review=pending&order=uncertain#images");
    expect(labellerUrl(3, 42)).toBe("/projects/3/label/42/");
    expect(labellerUrl(3, 42, "?split=val")).toBe("/projects/3/label/42/?split=val");
    expect(runUrl(3, 7)).toBe("/projects/3/runs/7/");
    expect(modelUrl(3, 5)).toBe("/projects/3/models/5/");
    expect(compareUrl(3, 5, 6)).toBe("/projects/3/models/compare/?a=5&b=6");
  });

  it("reads the image id back from a labeller path", () => {
    expect(labellerImageId(labellerUrl(3, 42))).toBe(42);
    expect(labellerImageId("/projects/3/label/42")).toBe(42);
    expect(labellerImageId("/projects/3/")).toBeNull();
    expect(labellerImageId("/projects/3/label/x/")).toBeNull();
  });
});
