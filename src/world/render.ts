// Draws ball states into RGB uint8 frames. Coverage of a pixel is clamp(r + 0.5 - d, 0, 1),
// with d the distance from the pixel centre to the ball centre: a one-pixel analytic edge.

import { BACKGROUND, COLOURS } from './palette';
import type { BallState, FrameSize } from './types';

export const CHANNELS = 3;

export function frameBytes(size: FrameSize): number {
  return size.width * size.height * CHANNELS;
}

function checkSize(size: FrameSize): void {
  const { width, height } = size;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new RangeError(`frame size must be positive integers, got ${width}x${height}`);
  }
}

/** Draws one frame into `out` at `offset`: (H, W, 3) row-major RGB. Later balls paint over earlier. */
export function renderFrameInto(
  out: Uint8Array,
  offset: number,
  balls: readonly BallState[],
  size: FrameSize,
): void {
  checkSize(size);
  const { width, height } = size;
  const end = offset + frameBytes(size);
  if (offset < 0 || end > out.length)
    throw new RangeError(`frame at byte ${offset} does not fit in ${out.length}`);
  for (let i = offset; i < end; i += CHANNELS) {
    out[i] = BACKGROUND[0];
    out[i + 1] = BACKGROUND[1];
    out[i + 2] = BACKGROUND[2];
  }
  for (const ball of balls) {
    const colour = COLOURS[ball.colour];
    const reach = ball.radius + 0.5;
    const x0 = Math.max(0, Math.floor(ball.x - reach));
    const x1 = Math.min(width - 1, Math.floor(ball.x + reach));
    const y0 = Math.max(0, Math.floor(ball.y - reach));
    const y1 = Math.min(height - 1, Math.floor(ball.y + reach));
    for (let py = y0; py <= y1; py++) {
      const dy = py + 0.5 - ball.y;
      for (let px = x0; px <= x1; px++) {
        const dx = px + 0.5 - ball.x;
        const coverage = reach - Math.sqrt(dx * dx + dy * dy);
        if (coverage <= 0) continue;
        const alpha = coverage >= 1 ? 1 : coverage;
        const i = offset + (py * width + px) * CHANNELS;
        for (let c = 0; c < CHANNELS; c++) {
          const under = out[i + c]!;
          out[i + c] = Math.round(under + (colour[c]! - under) * alpha);
        }
      }
    }
  }
}

export function renderFrame(balls: readonly BallState[], size: FrameSize): Uint8Array {
  const out = new Uint8Array(frameBytes(size));
  renderFrameInto(out, 0, balls, size);
  return out;
}

/** (T, H, W, 3) row-major RGB for `states[frame][ball]`. */
export function renderClip(states: readonly (readonly BallState[])[], size: FrameSize): Uint8Array {
  const out = new Uint8Array(states.length * frameBytes(size));
  renderClipInto(out, 0, states, size);
  return out;
}

export function renderClipInto(
  out: Uint8Array,
  offset: number,
  states: readonly (readonly BallState[])[],
  size: FrameSize,
): void {
  const bytes = frameBytes(size);
  states.forEach((balls, frame) => renderFrameInto(out, offset + frame * bytes, balls, size));
}
