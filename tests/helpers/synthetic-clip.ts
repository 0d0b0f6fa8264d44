// Deterministic test clips: coloured squares moving over a dark background, and a grey ramp.
export interface SyntheticClip {
  frames: Uint8ClampedArray; // (frameCount, height, width, 4)
  frameCount: number;
  width: number;
  height: number;
  fps: number;
}

const BACKGROUND = [16, 24, 48] as const;
const SQUARES = [
  { colour: [230, 40, 40], side: 8, start: [2, 4], velocity: [1, 0] },
  { colour: [40, 200, 80], side: 6, start: [20, 2], velocity: [0, 1] },
  { colour: [250, 210, 30], side: 7, start: [4, 20], velocity: [1, -1] },
] as const;

/** Three squares (red, green, yellow) moving one pixel a frame, wrapping around the edges. */
export function squaresClip(frameCount = 16, width = 32, height = 32, fps = 8): SyntheticClip {
  const frames = new Uint8ClampedArray(frameCount * width * height * 4);
  for (let f = 0; f < frameCount; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let colour: readonly number[] = BACKGROUND;
        for (const square of SQUARES) {
          const left = (((square.start[0] + square.velocity[0] * f) % width) + width) % width;
          const top = (((square.start[1] + square.velocity[1] * f) % height) + height) % height;
          const inX = (x - left + width) % width < square.side;
          const inY = (y - top + height) % height < square.side;
          if (inX && inY) colour = square.colour;
        }
        frames.set([colour[0], colour[1], colour[2], 255], ((f * height + y) * width + x) * 4);
      }
    }
  }
  return { frames, frameCount, width, height, fps };
}

/** Frame i is a flat grey of level `step * i`: which frames were taken is readable from pixels. */
export function greyRampClip(
  frameCount: number,
  width: number,
  height: number,
  fps: number,
  step: number,
): SyntheticClip {
  const frames = new Uint8ClampedArray(frameCount * width * height * 4);
  for (let f = 0; f < frameCount; f++) {
    const level = Math.min(255, step * f);
    const start = f * width * height * 4;
    for (let p = 0; p < width * height; p++) frames.set([level, level, level, 255], start + p * 4);
  }
  return { frames, frameCount, width, height, fps };
}

/** Mean |a - b| over the R, G and B channels of two equally sized RGBA buffers (alpha ignored). */
export function meanAbsRgbError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) {
    sum += Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]);
  }
  return sum / ((a.length / 4) * 3);
}
