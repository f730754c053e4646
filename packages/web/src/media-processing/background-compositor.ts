/** What replaces the background: the camera's own picture blurred, or a still image. */
export type BackgroundEffect =
  | { kind: 'blur' }
  | { kind: 'image'; image: CanvasImageSource; width: number; height: number };

type Canvas2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
type AnyCanvas = HTMLCanvasElement | OffscreenCanvas;

/**
 * How much the picture is shrunk before the blur and then stretched back: the stretch itself
 * softens, so a small canvas blur gives a strong, cheap background blur.
 */
const BLUR_SHRINK = 8;
const BLUR_RADIUS_PX = 2;
function makeCanvas(width: number, height: number): AnyCanvas {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function context(canvas: AnyCanvas): Canvas2D {
  const ctx = canvas.getContext('2d') as Canvas2D | null;
  if (!ctx) throw new Error('no 2D canvas');
  return ctx;
}

/** The source rectangle of `image` that covers a `width`×`height` frame without distortion. */
export function coverRect(
  imageWidth: number,
  imageHeight: number,
  width: number,
  height: number,
): { x: number; y: number; w: number; h: number } {
  const scale = Math.max(width / imageWidth, height / imageHeight);
  const w = width / scale;
  const h = height / scale;
  return { x: (imageWidth - w) / 2, y: (imageHeight - h) / 2, w, h };
}

/**
 * Paints a frame with its background replaced: the person (where the mask says so) over either a
 * blurred copy of the frame or an image. Plain Canvas 2D, so it runs the same in every browser.
 */
export class BackgroundCompositor {
  readonly canvas: AnyCanvas;
  private readonly ctx: Canvas2D;
  private readonly person: AnyCanvas;
  private readonly personCtx: Canvas2D;
  private readonly small: AnyCanvas;
  private readonly smallCtx: Canvas2D;

  /** `output`: the canvas to paint on (a page canvas for captureStream), else an own one. */
  constructor(
    readonly width: number,
    readonly height: number,
    output?: HTMLCanvasElement,
  ) {
    if (output) {
      output.width = width;
      output.height = height;
    }
    this.canvas = output ?? makeCanvas(width, height);
    this.ctx = context(this.canvas);
    this.person = makeCanvas(width, height);
    this.personCtx = context(this.person);
    this.small = makeCanvas(
      Math.max(1, Math.round(width / BLUR_SHRINK)),
      Math.max(1, Math.round(height / BLUR_SHRINK)),
    );
    this.smallCtx = context(this.small);
  }

  /**
   * Paints `frame` with `effect`. `mask` is a picture whose alpha is the person's confidence
   * (MediaPipe's segmentation mask, any size: it is stretched, which also softens its edge); without
   * one, all of the frame is background.
   */
  paint(frame: CanvasImageSource, mask: CanvasImageSource | null, effect: BackgroundEffect): void {
    const { width, height, ctx } = this;
    if (effect.kind === 'blur') {
      this.smallCtx.filter = `blur(${BLUR_RADIUS_PX}px)`;
      this.smallCtx.drawImage(frame, 0, 0, this.small.width, this.small.height);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.small, 0, 0, width, height);
    } else {
      const r = coverRect(effect.width, effect.height, width, height);
      ctx.drawImage(effect.image, r.x, r.y, r.w, r.h, 0, 0, width, height);
    }
    if (!mask) return;
    const p = this.personCtx;
    p.globalCompositeOperation = 'copy';
    p.drawImage(frame, 0, 0, width, height);
    p.globalCompositeOperation = 'destination-in';
    p.imageSmoothingEnabled = true;
    p.drawImage(mask, 0, 0, width, height);
    p.globalCompositeOperation = 'source-over';
    ctx.drawImage(this.person, 0, 0);
  }
}
