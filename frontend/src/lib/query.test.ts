import { describe, expect, it } from "vitest";
import { countActive, imageListUrl, mergeSearch, parseFilters } from "./query";

describe("parseFilters", () => {
  it("reads every known filter", () => {
    expect(parseFilters("?status=done&split=val&label=7&has_annotations=false&source=model")).toEqual({
      status: "done",
      split: "val",
      label: 7,
      has_annotations: false,
      source: "model",
    });
  });

  it("reads review=pending and nothing else for review", () => {
    expect(parseFilters("?review=pending&order=uncertain")).toEqual({ review: "pending", order: "uncertain" });
    expect(parseFilters("?review=accepted")).toEqual({});
    expect(mergeSearch("", { review: "pending", source: "model" })).toBe("?source=model&review=pending");
  });

  it("reads the review queue and open issues", () => {
    expect(parseFilters("?stage=review&open_issues=true")).toEqual({ stage: "review", open_issues: true });
    expect(parseFilters("?stage=later&open_issues=yes")).toEqual({});
    expect(mergeSearch("?x=1", { open_issues: false, stage: "annotation" })).toBe("?x=1&stage=annotation&open_issues=false");
  });

  it("reads a video and a time range in seconds", () => {
    expect(parseFilters("?video=clip%201.mp4&frame_from=1.5&frame_to=12")).toEqual({
      video: "clip 1.mp4",
      frame_from: 1.5,
      frame_to: 12,
    });
    expect(parseFilters("?video=&frame_from=-1&frame_to=soon")).toEqual({});
    expect(mergeSearch("", { video: "a.mp4", frame_to: 3, split: "val" })).toBe("?split=val&video=a.mp4&frame_to=3");
  });

  it("drops invalid values and unknown keys", () => {
    expect(parseFilters("?status=bogus&split=&label=abc&has_annotations=maybe&source=robot&x=1")).toEqual({});
    expect(parseFilters("label=-3")).toEqual({});
  });
});

describe("mergeSearch into an empty query", () => {
  it("writes a stable key order and skips unset filters", () => {
    expect(mergeSearch("", { source: "human", status: "new", label: 3 })).toBe("?status=new&label=3&source=human");
    expect(mergeSearch("", {})).toBe("");
  });

  it("round-trips through parseFilters", () => {
    const f = { status: "in_progress" as const, has_annotations: true, label: 12 };
    expect(parseFilters(mergeSearch("", f))).toEqual(f);
  });
});

describe("mergeSearch", () => {
  it("replaces filter keys and keeps the others", () => {
    expect(mergeSearch("?status=new&debug=1", { split: "train" })).toBe("?debug=1&split=train");
    expect(mergeSearch("?status=new", {})).toBe("");
  });
});

describe("imageListUrl", () => {
  it("builds the API url with page_size", () => {
    expect(imageListUrl(4, { status: "done", has_annotations: false }, 100)).toBe(
      "/api/v1/projects/4/images/?status=done&has_annotations=false&page_size=100",
    );
  });
});

describe("countActive", () => {
  it("counts set filters, false included", () => {
    expect(countActive({ has_annotations: false, split: "test" })).toBe(2);
    expect(countActive({})).toBe(0);
  });
});

describe("order", () => {
  it("reads and writes order=uniqueness and the curation filter, dropping bad values", () => {
    expect(parseFilters("?order=uniqueness&excluded=true")).toEqual({ excluded: true, order: "uniqueness" });
    expect(parseFilters("?excluded=maybe&order=random")).toEqual({});
    expect(mergeSearch("?x=1", { excluded: false, order: "uniqueness" })).toBe("?x=1&excluded=false&order=uniqueness");
  });

  it("reads and writes order=uncertain after the filters, and ignores other values", () => {
    expect(parseFilters("?order=uncertain&source=model")).toEqual({ source: "model", order: "uncertain" });
    expect(parseFilters("?order=random")).toEqual({});
    expect(mergeSearch("", { order: "uncertain", source: "model" })).toBe("?source=model&order=uncertain");
    expect(imageListUrl(2, { order: "uncertain" }, 50)).toBe("/api/v1/projects/2/images/?order=uncertain&page_size=50");
  });

  it("is not a filter: it does not count and mergeSearch replaces it", () => {
    expect(countActive({ order: "uncertain" })).toBe(0);
    expect(mergeSearch("?order=uncertain&x=1", {})).toBe("?x=1");
    expect(mergeSearch("?x=1", { order: "uncertain" })).toBe("?x=1&order=uncertain");
  });
});

describe("the ids filter", () => {
  it("reads and writes a selection, capped at the API's limit", () => {
    expect(parseFilters("?ids=3,1,2").ids).toEqual([3, 1, 2]);
    expect(parseFilters("?ids=3,x").ids).toBeUndefined();
    expect(parseFilters(`?ids=${Array.from({ length: 1500 }, (_, i) => i + 1).join(",")}`).ids).toHaveLength(1000);
    expect(mergeSearch("", { ids: [5, 6], order: "mistakenness" })).toBe("?ids=5%2C6&order=mistakenness");
    expect(countActive({ ids: [5] })).toBe(1);
  });
});
