// Resizing RGBA frames on the CPU: nearest and bilinear for export upscaling, area average for
// shrinking context frames. Pixels are sampled at their centres, so a 2x nearest upscale copies
// each pixel into exactly a 2x2 block and an area-average halving is the mean of that block.
import type { PixelSize, ScaleFilter } from './types.ts';

export type RgbaBytes = Uint8Array | Uint8ClampedArray;

/** One RGBA frame (from.height, from.width, 4) resized to (to.height, to.width, 4). */
export function scaleFrame(
  src: RgbaBytes,
  from: PixelSize,
  to: PixelSize,
  filter: ScaleFilter,
): Uint8ClampedArray {
  checkFrame(src, from);
  return filter === 'nearest' ? scaleNearest(src, from, to) : scaleBilinear(src, from, to);
}

/** Every frame of a (frames, h, w, 4) buffer resized; returns (frames, to.height, to.width, 4). */
export function scaleFrames(
  src: RgbaBytes,
  frameCount: number,
  from: PixelSize,
  to: PixelSize,
  filter: ScaleFilter,
): Uint8ClampedArray {
  const inBytes = from.width * from.height * 4;
  const outBytes = to.width * to.height * 4;
  const out = new Uint8ClampedArray(frameCount * outBytes);
  for (let frame = 0; frame < frameCount; frame++) {
    out.set(
      scaleFrame(src.subarray(frame * inBytes, (frame + 1) * inBytes), from, to, filter),
      frame * outBytes,
    );
  }
  return out;
}

/** The source index each destination index samples, by pixel centre. */
function nearestIndices(srcLength: number, dstLength: number): Int32Array {
  const indices = new Int32Array(dstLength);
  for (let i = 0; i < dstLength; i++) {
    indices[i] = Math.min(srcLength - 1, Math.floor(((i + 0.5) * srcLength) / dstLength));
  }
  return indices;
}

function scaleNearest(src: RgbaBytes, from: PixelSize, to: PixelSize): Uint8ClampedArray {
  const out = new Uint8ClampedArray(to.width * to.height * 4);
  const pixelsOut = new Uint32Array(out.buffer);
  const pixelsIn =
    src.byteOffset % 4 === 0 ? new Uint32Array(src.buffer, src.byteOffset, src.length / 4) : null;
  const xs = nearestIndices(from.width, to.width);
  const ys = nearestIndices(from.height, to.height);
  for (let y = 0; y < to.height; y++) {
    const rowIn = ys[y] * from.width;
    const rowOut = y * to.width;
    if (pixelsIn) {
      for (let x = 0; x < to.width; x++) pixelsOut[rowOut + x] = pixelsIn[rowIn + xs[x]];
    } else {
      for (let x = 0; x < to.width; x++) {
        const i = (rowIn + xs[x]) * 4;
        const o = (rowOut + x) * 4;
        out[o] = src[i];
        out[o + 1] = src[i + 1];
        out[o + 2] = src[i + 2];
        out[o + 3] = src[i + 3];
      }
    }
  }
  return out;
}

interface LinearTaps {
  lower: Int32Array;
  upper: Int32Array;
  upperWeight: Float32Array;
}

function linearTaps(srcLength: number, dstLength: number): LinearTaps {
  const taps = {
    lower: new Int32Array(dstLength),
    upper: new Int32Array(dstLength),
    upperWeight: new Float32Array(dstLength),
  };
  for (let i = 0; i < dstLength; i++) {
    const position = Math.min(srcLength - 1, Math.max(0, ((i + 0.5) * srcLength) / dstLength - 0.5));
    const lower = Math.floor(position);
    taps.lower[i] = lower;
    taps.upper[i] = Math.min(srcLength - 1, lower + 1);
    taps.upperWeight[i] = position - lower;
  }
  return taps;
}

/** Bilinear on straight (not premultiplied) RGBA: exports drop alpha, so edges need no care. */
function scaleBilinear(src: RgbaBytes, from: PixelSize, to: PixelSize): Uint8ClampedArray {
  const out = new Uint8ClampedArray(to.width * to.height * 4);
  const xs = linearTaps(from.width, to.width);
  const ys = linearTaps(from.height, to.height);
  for (let y = 0; y < to.height; y++) {
    const top = ys.lower[y] * from.width;
    const bottom = ys.upper[y] * from.width;
    const wy = ys.upperWeight[y];
    for (let x = 0; x < to.width; x++) {
      const wx = xs.upperWeight[x];
      const a = (top + xs.lower[x]) * 4;
      const b = (top + xs.upper[x]) * 4;
      const c = (bottom + xs.lower[x]) * 4;
      const d = (bottom + xs.upper[x]) * 4;
      const o = (y * to.width + x) * 4;
      for (let channel = 0; channel < 4; channel++) {
        const upperRow = src[a + channel] + (src[b + channel] - src[a + channel]) * wx;
        const lowerRow = src[c + channel] + (src[d + channel] - src[c + channel]) * wx;
        out[o + channel] = upperRow + (lowerRow - upperRow) * wy; // Uint8ClampedArray rounds half to even
      }
    }
  }
  return out;
}

interface AreaTaps {
  start: Int32Array; // first source index per destination index
  weights: Float32Array[]; // overlap of each source pixel with the destination pixel, summing to 1
}

function areaTaps(srcLength: number, dstLength: number): AreaTaps {
  const step = srcLength / dstLength;
  const start = new Int32Array(dstLength);
  const weights: Float32Array[] = [];
  for (let i = 0; i < dstLength; i++) {
    const begin = i * step;
    const end = begin + step;
    const first = Math.floor(begin);
    const last = Math.min(srcLength - 1, Math.ceil(end) - 1);
    const w = new Float32Array(last - first + 1);
    for (let s = first; s <= last; s++) w[s - first] = (Math.min(end, s + 1) - Math.max(begin, s)) / step;
    start[i] = first;
    weights.push(w);
  }
  return { start, weights };
}

/** Area-average resize (a box filter the size of one destination pixel), for shrinking frames. */
export function resizeAreaAverage(src: RgbaBytes, from: PixelSize, to: PixelSize): Uint8ClampedArray {
  checkFrame(src, from);
  const xs = areaTaps(from.width, to.width);
  const ys = areaTaps(from.height, to.height);
  const rows = new Float32Array(from.height * to.width * 4); // (from.height, to.width, 4)
  for (let y = 0; y < from.height; y++) {
    for (let x = 0; x < to.width; x++) {
      const w = xs.weights[x];
      const o = (y * to.width + x) * 4;
      for (let k = 0; k < w.length; k++) {
        const i = (y * from.width + xs.start[x] + k) * 4;
        rows[o] += src[i] * w[k];
        rows[o + 1] += src[i + 1] * w[k];
        rows[o + 2] += src[i + 2] * w[k];
        rows[o + 3] += src[i + 3] * w[k];
      }
    }
  }
  const out = new Uint8ClampedArray(to.width * to.height * 4);
  for (let y = 0; y < to.height; y++) {
    const w = ys.weights[y];
    for (let x = 0; x < to.width; x++) {
      const o = (y * to.width + x) * 4;
      for (let channel = 0; channel < 4; channel++) {
        let sum = 0;
        for (let k = 0; k < w.length; k++)
          sum += rows[((ys.start[y] + k) * to.width + x) * 4 + channel] * w[k];
        out[o + channel] = sum;
      }
    }
  }
  return out;
}

function checkFrame(src: RgbaBytes, size: PixelSize): void {
  if (src.length !== size.width * size.height * 4) {
    throw new RangeError(
      `A ${size.width}x${size.height} RGBA frame has ${size.width * size.height * 4} bytes, not ${src.length}.`,
    );
  }
}
