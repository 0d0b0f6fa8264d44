// exportGif: an animated GIF, nearest-upscaled, looping forever. GIF has no alpha beyond one
// transparent index and Tessera clips are opaque, so alpha is dropped.
import { GIFEncoder, applyPalette, quantize, type Palette } from 'gifenc';
import { abortReason } from './errors.ts';
import { imageScale, validateClip } from './options.ts';
import type { RgbaClip } from './types.ts';

export interface GifOptions {
  /** Whole-number nearest-neighbour scale; default makes the longer side at least 256 px. */
  scale?: number;
  signal?: AbortSignal;
}

export interface ExportedImage {
  blob: Blob;
  mimeType: string;
  width: number;
  height: number;
  frames: number;
}

/** Quantising more pixels than this buys nothing; larger clips are sampled with a stride. */
const MAX_QUANTIZE_PIXELS = 1 << 20;

export async function exportGif(clip: RgbaClip, options: GifOptions = {}): Promise<ExportedImage> {
  validateClip(clip);
  const scale = imageScale(clip, options.scale);
  const to = { width: clip.width * scale, height: clip.height * scale };
  const { palette, indexOf } = clipPalette(clip.frames);
  const frameBytes = clip.width * clip.height * 4;
  const gif = GIFEncoder({ initialCapacity: 1 << 16 });
  for (let index = 0; index < clip.frameCount; index++) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    const indices = indexOf(clip.frames.subarray(index * frameBytes, (index + 1) * frameBytes));
    gif.writeFrame(scaleIndices(indices, clip.width, clip.height, scale), to.width, to.height, {
      ...(index === 0 ? { palette } : {}), // one global palette; later frames reuse it
      delay: frameDelayCentiseconds(index, clip.fps) * 10,
      repeat: 0,
    });
    await Promise.resolve(); // let an abort land between frames
  }
  gif.finish();
  const blob = new Blob([gif.bytes() as Uint8Array<ArrayBuffer>], { type: 'image/gif' });
  return { blob, mimeType: blob.type, ...to, frames: clip.frameCount };
}

/**
 * GIF delays are whole centiseconds; rounding each boundary (not each delay) keeps the total
 * exact, e.g. 8 fps gives 12, 13, 12, 13 ... rather than 13 every frame (7.7 fps).
 */
export function frameDelayCentiseconds(index: number, fps: number): number {
  return Math.round(((index + 1) * 100) / fps) - Math.round((index * 100) / fps);
}

interface ClipPalette {
  palette: Palette;
  indexOf(rgba: Uint8Array | Uint8ClampedArray): Uint8Array; // (h*w) palette indices
}

/** The clip's own colours when it has at most 256 (lossless), else one quantised palette. */
export function clipPalette(frames: Uint8Array | Uint8ClampedArray): ClipPalette {
  const exact = new Map<number, number>();
  for (let i = 0; i < frames.length && exact.size <= 256; i += 4) {
    const rgb = (frames[i] << 16) | (frames[i + 1] << 8) | frames[i + 2];
    if (!exact.has(rgb)) exact.set(rgb, exact.size);
  }
  if (exact.size <= 256) {
    const palette = [...exact.keys()].map((rgb) => [rgb >> 16, (rgb >> 8) & 255, rgb & 255]);
    return {
      palette,
      indexOf(rgba) {
        const out = new Uint8Array(rgba.length / 4);
        for (let p = 0; p < out.length; p++) {
          out[p] = exact.get((rgba[p * 4] << 16) | (rgba[p * 4 + 1] << 8) | rgba[p * 4 + 2])!;
        }
        return out;
      },
    };
  }
  const palette = quantize(samplePixels(frames, MAX_QUANTIZE_PIXELS), 256);
  return { palette, indexOf: (rgba) => applyPalette(rgba, palette) };
}

function samplePixels(
  frames: Uint8Array | Uint8ClampedArray,
  maxPixels: number,
): Uint8Array | Uint8ClampedArray {
  const pixels = frames.length / 4;
  if (pixels <= maxPixels) return frames;
  const stride = Math.ceil(pixels / maxPixels);
  const sample = new Uint8Array(Math.ceil(pixels / stride) * 4);
  for (let p = 0, o = 0; p < pixels; p += stride, o += 4) sample.set(frames.subarray(p * 4, p * 4 + 4), o);
  return sample;
}

/** Whole-number nearest upscaling of a one-byte-per-pixel index map (h, w) -> (h*scale, w*scale). */
function scaleIndices(indices: Uint8Array, width: number, height: number, scale: number): Uint8Array {
  const outWidth = width * scale;
  const out = new Uint8Array(outWidth * height * scale);
  for (let y = 0; y < height * scale; y++) {
    const rowIn = Math.floor(y / scale) * width;
    for (let x = 0; x < outWidth; x++) out[y * outWidth + x] = indices[rowIn + Math.floor(x / scale)];
  }
  return out;
}
