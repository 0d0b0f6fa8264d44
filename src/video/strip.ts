// exportFrameStrip: every frame side by side in one PNG, nearest-upscaled, for papers and
// slides where a video cannot go. Needs OffscreenCanvas (a page or a worker).
import { abortReason, InvalidExportOptionsError, VideoExportError } from './errors.ts';
import type { ExportedImage } from './gif.ts';
import { imageScale, validateClip } from './options.ts';
import { scaleFrame } from './scale.ts';
import type { RgbaClip } from './types.ts';

export interface StripOptions {
  /** Whole-number nearest-neighbour scale; default makes each frame's longer side at least 256 px. */
  scale?: number;
  /** Pixels of background between frames (at output scale). Default 0. */
  gapPx?: number;
  signal?: AbortSignal;
}

export async function exportFrameStrip(clip: RgbaClip, options: StripOptions = {}): Promise<ExportedImage> {
  validateClip(clip);
  const gapPx = options.gapPx ?? 0;
  if (!Number.isInteger(gapPx) || gapPx < 0 || gapPx > 256) {
    throw new InvalidExportOptionsError(`gapPx is ${gapPx}; it must be a whole number from 0 to 256.`);
  }
  const scale = imageScale(clip, options.scale, clip.frameCount);
  const tile = { width: clip.width * scale, height: clip.height * scale };
  const width = tile.width * clip.frameCount + gapPx * (clip.frameCount - 1);
  const canvas = new OffscreenCanvas(width, tile.height);
  const context = canvas.getContext('2d');
  if (!context) throw new VideoExportError('This browser gave no 2D canvas to draw the frame strip on.');
  const frameBytes = clip.width * clip.height * 4;
  for (let index = 0; index < clip.frameCount; index++) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    const frame = clip.frames.subarray(index * frameBytes, (index + 1) * frameBytes);
    const scaled = scaleFrame(frame, clip, tile, 'nearest');
    context.putImageData(
      new ImageData(scaled as Uint8ClampedArray<ArrayBuffer>, tile.width, tile.height),
      index * (tile.width + gapPx),
      0,
    );
  }
  const blob = await canvas.convertToBlob({ type: 'image/png' });
  return { blob, mimeType: blob.type, width, height: tile.height, frames: clip.frameCount };
}
