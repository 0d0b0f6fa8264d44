// Pixel plumbing between the world (RGB), the engine (RGBA) and canvases.
import type { Frames } from '../../engine/protocol.ts';

export const frameBytesRgba = (f: { width: number; height: number }) => f.width * f.height * 4;

/** (T, H, W, 3) → (T, H, W, 4), opaque. */
export function rgbToRgba(rgb: Uint8Array, frameCount: number, width: number, height: number): Frames {
  const pixels = frameCount * width * height;
  if (rgb.length !== pixels * 3) {
    throw new RangeError(`${rgb.length} bytes are not ${frameCount} RGB frames of ${width}x${height}`);
  }
  const rgba = new Uint8Array(pixels * 4);
  for (let p = 0, i = 0, o = 0; p < pixels; p++, i += 3, o += 4) {
    rgba[o] = rgb[i]!;
    rgba[o + 1] = rgb[i + 1]!;
    rgba[o + 2] = rgb[i + 2]!;
    rgba[o + 3] = 255;
  }
  return { rgba, frameCount, width, height };
}

/** (T, H, W, 4) → (T, H, W, 3), alpha dropped. */
export function rgbaToRgb(frames: Frames): Uint8Array {
  const pixels = frames.frameCount * frames.width * frames.height;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0, i = 0, o = 0; p < pixels; p++, i += 4, o += 3) {
    rgb[o] = frames.rgba[i]!;
    rgb[o + 1] = frames.rgba[i + 1]!;
    rgb[o + 2] = frames.rgba[i + 2]!;
  }
  return rgb;
}

/** Frames `start` to `start + count` as a new clip (copied). */
export function sliceFrames(frames: Frames, start: number, count: number): Frames {
  const bytes = frameBytesRgba(frames);
  const from = Math.max(0, Math.min(start, frames.frameCount));
  const to = Math.max(from, Math.min(from + count, frames.frameCount));
  return {
    rgba: frames.rgba.slice(from * bytes, to * bytes),
    frameCount: to - from,
    width: frames.width,
    height: frames.height,
  };
}

/** Draws frame `index` of `frames` at (x, y) of a canvas at 1:1. */
export function putFrame(
  context: CanvasRenderingContext2D,
  frames: Frames,
  index: number,
  x = 0,
  y = 0,
): void {
  const bytes = frameBytesRgba(frames);
  const at = Math.max(0, Math.min(index, frames.frameCount - 1)) * bytes;
  const pixels = new Uint8ClampedArray(frames.rgba.buffer, frames.rgba.byteOffset + at, bytes);
  context.putImageData(new ImageData(pixels.slice(), frames.width, frames.height), x, y);
}

/** One frame as a PNG, upscaled by a whole number with nearest neighbours. */
export async function framePng(frames: Frames, index: number, scale = 4): Promise<Blob> {
  const small = new OffscreenCanvas(frames.width, frames.height);
  const smallContext = small.getContext('2d')!;
  const bytes = frameBytesRgba(frames);
  const at = Math.max(0, Math.min(index, frames.frameCount - 1)) * bytes;
  smallContext.putImageData(
    new ImageData(new Uint8ClampedArray(frames.rgba.slice(at, at + bytes)), frames.width, frames.height),
    0,
    0,
  );
  const big = new OffscreenCanvas(frames.width * scale, frames.height * scale);
  const bigContext = big.getContext('2d')!;
  bigContext.imageSmoothingEnabled = false;
  bigContext.drawImage(small, 0, 0, big.width, big.height);
  return big.convertToBlob({ type: 'image/png' });
}

/** Base64 of bytes, in slices so a large buffer does not overflow the argument list. */
export function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}
