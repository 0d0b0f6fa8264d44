// Finds the balls in a clip from its pixels alone: per-pixel colour and coverage, connected
// components per colour, coverage-weighted centroids. Works on true renders and on model output.
//
// A rendered edge pixel is bg + a·(colour − bg) with coverage a in [0, 1], so a pixel is read as
// the nearest point on a segment bg→colour of the palette, not as the nearest palette colour:
// that keeps antialiased edges and blurred balls with their ball, and gives a sub-pixel weight.

import { BACKGROUND, COLOURS, type ColourName } from './palette';
import { CHANNELS, frameBytes } from './render';
import type { FrameSize } from './types';

type Rgb = readonly [number, number, number];

export interface TrackerPalette {
  background: Rgb;
  /** The colours to look for; a subset of the world's is fine. */
  colours: Readonly<Partial<Record<ColourName, Rgb>>>;
}

export const WORLD_PALETTE: TrackerPalette = { background: BACKGROUND, colours: COLOURS };

export interface TrackerThresholds {
  /** A pixel belongs to a ball from this coverage up; below it is background (or a faint rim). */
  minCoverage: number;
  /** Off-segment over on-segment distance in RGB: 0.2 ≈ 11° around the background (blue and cyan, the closest pair, are 26° apart). */
  maxColourError: number;
  /** Components whose summed coverage (px²) is smaller are specks, not balls. */
  minAreaPx: number;
}

// A small ball covers ~28 px², a big one ~79 px²; 8 px² drops specks and blends where balls touch.
export const DEFAULT_THRESHOLDS: TrackerThresholds = {
  minCoverage: 0.25,
  maxColourError: 0.2,
  minAreaPx: 8,
};

export interface TrackedBall {
  colour: ColourName;
  /** Centroid in px of the frame (x right, y down, pixel centres at +0.5), as in BallState. */
  x: number;
  y: number;
  /** Summed coverage in px²: π r² for a cleanly drawn ball. */
  area: number;
}

/** `frames[t]`: the balls found in frame t, largest area first. */
export interface TrackedClip {
  frames: TrackedBall[][];
}

export interface TrackOptions {
  palette?: TrackerPalette;
  thresholds?: Partial<TrackerThresholds>;
}

interface Segment {
  colour: ColourName;
  direction: Rgb;
  lengthSquared: number;
}

function segmentsOf(palette: TrackerPalette): Segment[] {
  const [r0, g0, b0] = palette.background;
  return (Object.keys(palette.colours) as ColourName[]).map((colour) => {
    const [r, g, b] = palette.colours[colour]!;
    const direction: Rgb = [r - r0, g - g0, b - b0];
    const lengthSquared = direction[0] ** 2 + direction[1] ** 2 + direction[2] ** 2;
    if (lengthSquared === 0) throw new RangeError(`colour ${colour} is the background colour`);
    return { colour, direction, lengthSquared };
  });
}

/** Per pixel: index into `segments` (-1 for background) and coverage. */
function labelPixels(
  frame: Uint8Array,
  offset: number,
  pixels: number,
  background: Rgb,
  segments: readonly Segment[],
  thresholds: TrackerThresholds,
): { labels: Int8Array; coverage: Float32Array } {
  const labels = new Int8Array(pixels).fill(-1);
  const coverage = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const i = offset + p * CHANNELS;
    const dr = frame[i]! - background[0];
    const dg = frame[i + 1]! - background[1];
    const db = frame[i + 2]! - background[2];
    let best = -1;
    let bestResidual = Infinity;
    let bestAlpha = 0;
    segments.forEach((segment, k) => {
      const [vr, vg, vb] = segment.direction;
      const alpha = Math.min(Math.max((dr * vr + dg * vg + db * vb) / segment.lengthSquared, 0), 1);
      const residual = Math.hypot(dr - alpha * vr, dg - alpha * vg, db - alpha * vb);
      if (residual < bestResidual) {
        best = k;
        bestResidual = residual;
        bestAlpha = alpha;
      }
    });
    if (best < 0 || bestAlpha < thresholds.minCoverage) continue;
    const along = bestAlpha * Math.sqrt(segments[best]!.lengthSquared);
    if (bestResidual > thresholds.maxColourError * along) continue;
    labels[p] = best;
    coverage[p] = bestAlpha;
  }
  return { labels, coverage };
}

/** The balls in one (H, W, 3) frame at `offset` of `frame`. */
export function trackFrame(
  frame: Uint8Array,
  size: FrameSize,
  options: TrackOptions = {},
  offset = 0,
): TrackedBall[] {
  const { width, height } = size;
  const pixels = width * height;
  if (offset < 0 || offset + frameBytes(size) > frame.length) {
    throw new RangeError(`a ${width}x${height} frame at byte ${offset} does not fit in ${frame.length}`);
  }
  const palette = options.palette ?? WORLD_PALETTE;
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const segments = segmentsOf(palette);
  const { labels, coverage } = labelPixels(frame, offset, pixels, palette.background, segments, thresholds);
  const seen = new Uint8Array(pixels);
  const stack = new Int32Array(pixels);
  const balls: TrackedBall[] = [];
  for (let start = 0; start < pixels; start++) {
    const label = labels[start]!;
    if (label < 0 || seen[start]) continue;
    // Flood fill with 8-connectivity: a blurred ball may hang together only by corners.
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let area = 0;
    let sumX = 0;
    let sumY = 0;
    while (top > 0) {
      const p = stack[--top]!;
      const px = p % width;
      const py = (p - px) / width;
      const w = coverage[p]!;
      area += w;
      sumX += w * (px + 0.5);
      sumY += w * (py + 0.5);
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (labels[q] === label && !seen[q]) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    if (area >= thresholds.minAreaPx) {
      balls.push({ colour: segments[label]!.colour, x: sumX / area, y: sumY / area, area });
    }
  }
  return balls.sort((a, b) => b.area - a.area);
}

/** The balls in every frame of a (T, H, W, 3) clip. */
export function trackClip(
  clip: Uint8Array,
  shape: FrameSize & { frames: number },
  options: TrackOptions = {},
): TrackedClip {
  const bytes = frameBytes(shape);
  if (clip.length !== shape.frames * bytes) {
    throw new RangeError(
      `clip holds ${clip.length} bytes; ${shape.frames} frames of ${shape.width}x${shape.height} need ${shape.frames * bytes}`,
    );
  }
  const frames: TrackedBall[][] = [];
  for (let t = 0; t < shape.frames; t++) frames.push(trackFrame(clip, shape, options, t * bytes));
  return { frames };
}
