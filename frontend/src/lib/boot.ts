/**
 * Values the page shell carries from the backend (templates/base.html renders them as JSON in
 * #lf-boot; apps/projects/pages.py fills them in), so the two never disagree.
 */

export interface BootConfig {
  /** apps/images/models.py GOLD_SAMPLE_WEIGHT: an image weighs this much in training once marked gold. */
  gold_sample_weight: number;
  /** Image.sample_weight's default: an ordinary image. */
  normal_sample_weight: number;
}

let cached: BootConfig | null = null;

/** Parse the boot JSON (exported for tests); throws when a value is missing. */
export function parseBoot(text: string | null | undefined): BootConfig {
  const raw = text ? (JSON.parse(text) as Partial<Record<keyof BootConfig, unknown>>) : {};
  const num = (key: keyof BootConfig): number => {
    const v = raw[key];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`The page has no ${key} (#lf-boot).`);
    return v;
  };
  return { gold_sample_weight: num("gold_sample_weight"), normal_sample_weight: num("normal_sample_weight") };
}

export function boot(): BootConfig {
  cached ??= parseBoot(document.getElementById("lf-boot")?.textContent);
  return cached;
}

/** The sample weight that toggles an image's gold mark: gold -> normal, otherwise -> gold. */
export function goldToggleWeight(gold: boolean, config: BootConfig = boot()): number {
  return gold ? config.normal_sample_weight : config.gold_sample_weight;
}

/** How much more often training draws a gold image: "4×". */
export function goldFactor(config: BootConfig = boot()): string {
  return `${Number((config.gold_sample_weight / config.normal_sample_weight).toFixed(2))}×`;
}
