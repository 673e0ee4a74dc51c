/**
 * Halved copies of a large image, made once off the main thread (createImageBitmap), so a
 * zoomed-out 12-megapixel photo is drawn from a ~1000 px copy: fast and without aliasing.
 */
export interface Level {
  source: CanvasImageSource;
  /** Level pixels per image pixel (1, 0.5, 0.25, ...). */
  factor: number;
}

const MIN_DIM = 512;

export class ImagePyramid {
  readonly levels: Level[];
  private cancelled = false;

  constructor(readonly image: CanvasImageSource & { width: number; height: number }, readonly width: number, readonly height: number, onReady: () => void) {
    this.levels = [{ source: image, factor: 1 }];
    void this.build(onReady);
  }

  /** The smallest level that still has at least one level pixel per device pixel. */
  pick(deviceScale: number): Level {
    let best = this.levels[0]!;
    for (const l of this.levels) if (l.factor >= deviceScale && l.factor < best.factor) best = l;
    return best;
  }

  dispose(): void {
    this.cancelled = true;
    for (const l of this.levels) if (l.factor < 1 && "close" in l.source) (l.source as ImageBitmap).close();
    this.levels.length = 1;
  }

  private async build(onReady: () => void): Promise<void> {
    if (typeof createImageBitmap !== "function") return;
    let factor = 0.5;
    let src: CanvasImageSource = this.image;
    while (Math.max(this.width, this.height) * factor >= MIN_DIM) {
      try {
        const bmp = await createImageBitmap(src as ImageBitmapSource, {
          resizeWidth: Math.max(1, Math.round(this.width * factor)),
          resizeHeight: Math.max(1, Math.round(this.height * factor)),
          resizeQuality: "high",
        });
        if (this.cancelled) {
          bmp.close();
          return;
        }
        this.levels.push({ source: bmp, factor });
        src = bmp;
        factor /= 2;
        onReady();
      } catch {
        return;
      }
    }
  }
}
