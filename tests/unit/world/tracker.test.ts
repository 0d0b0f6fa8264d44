import { describe, expect, it } from 'vitest';
import { datasetClip } from '../../../src/world/dataset';
import { BACKGROUND } from '../../../src/world/palette';
import { renderClip, renderFrame } from '../../../src/world/render';
import { Rng } from '../../../src/world/rng';
import { trackClip, trackFrame } from '../../../src/world/tracker';
import type { BallState, WorldStates } from '../../../src/world/types';

const shape = { frames: 16, width: 32, height: 32 };
const size = { width: 32, height: 32 };
const ball = (colour: BallState['colour'], radius: number, x: number, y: number): BallState => ({
  colour,
  radius,
  x,
  y,
  vx: 0,
  vy: 0,
});

/** 3x3 binomial blur per frame, edges clamped: what a soft decoder does to a ball. */
function blur(clip: Uint8Array, frames: number): Uint8Array {
  const { width, height } = size;
  const k = [0.25, 0.5, 0.25];
  const out = new Uint8Array(clip.length);
  for (let t = 0; t < frames; t++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              const yy = Math.min(Math.max(y + dy, 0), height - 1);
              const xx = Math.min(Math.max(x + dx, 0), width - 1);
              sum += k[dy + 1]! * k[dx + 1]! * clip[((t * height + yy) * width + xx) * 3 + c]!;
            }
          }
          out[((t * height + y) * width + x) * 3 + c] = Math.round(sum);
        }
      }
    }
  }
  return out;
}

const clampByte = (value: number): number => Math.min(255, Math.max(0, Math.round(value)));

/** Roughly Gaussian noise of standard deviation ~sigma/1.7 (sum of three uniforms in ±sigma). */
function noisy(clip: Uint8Array, sigma: number, rng: Rng): Uint8Array {
  return clip.map((v) => clampByte(v + sigma * (rng.range(-1, 1) + rng.range(-1, 1) + rng.range(-1, 1))));
}

function shifted(clip: Uint8Array, shift: readonly [number, number, number]): Uint8Array {
  return clip.map((v, i) => clampByte(v + shift[i % 3]!));
}

/** Largest count mismatch and centroid error (px) of tracking `clip` against `states`. */
function trackingErrors(clip: Uint8Array, states: WorldStates): { countErrors: number; maxPx: number } {
  const tracked = trackClip(clip, { ...size, frames: states.length });
  let countErrors = 0;
  let maxPx = 0;
  states.forEach((balls, t) => {
    const found = tracked.frames[t]!;
    if (found.length !== balls.length) countErrors++;
    for (const b of balls) {
      const match = found.find((candidate) => candidate.colour === b.colour);
      maxPx = Math.max(maxPx, match ? Math.hypot(match.x - b.x, match.y - b.y) : Infinity);
    }
  });
  return { countErrors, maxPx };
}

describe('trackFrame', () => {
  it('finds nothing in an empty frame', () => {
    expect(trackFrame(renderFrame([], size), size)).toEqual([]);
  });

  it('finds a ball at its centre with its area and colour', () => {
    const [found, ...rest] = trackFrame(renderFrame([ball('cyan', 5, 13.3, 20.7)], size), size);
    expect(rest).toEqual([]);
    expect(found!.colour).toBe('cyan');
    expect(Math.hypot(found!.x - 13.3, found!.y - 20.7)).toBeLessThan(0.1);
    expect(found!.area).toBeGreaterThan(0.95 * Math.PI * 25);
    expect(found!.area).toBeLessThan(1.05 * Math.PI * 25);
  });

  it('keeps touching balls of different colours apart, largest first', () => {
    const balls = [ball('red', 3, 10, 16), ball('blue', 5, 18, 16)];
    const found = trackFrame(renderFrame(balls, size), size);
    expect(found.map((b) => b.colour)).toEqual(['blue', 'red']);
    expect(Math.hypot(found[0]!.x - 18, found[0]!.y - 16)).toBeLessThan(0.2);
    expect(Math.hypot(found[1]!.x - 10, found[1]!.y - 16)).toBeLessThan(0.2);
  });

  it('ignores a speck below the minimum area and colours far from the palette', () => {
    const frame = renderFrame([], size);
    const paint = (x: number, y: number, rgb: readonly number[]) => frame.set(rgb, (y * 32 + x) * 3);
    for (const [x, y] of [
      [3, 3],
      [4, 3],
      [3, 4],
    ])
      paint(x!, y!, [230, 40, 40]); // 3 px² of red
    for (let y = 20; y < 26; y++) for (let x = 20; x < 26; x++) paint(x, y, [230, 140, 40]); // orange: between red and yellow, near neither
    expect(trackFrame(frame, size)).toEqual([]);
    expect(trackFrame(frame, size, { thresholds: { minAreaPx: 2 } }).map((b) => b.colour)).toEqual(['red']);
  });

  it('rejects a frame that does not fit', () => {
    expect(() => trackFrame(new Uint8Array(10), size)).toThrow(RangeError);
    expect(() => trackClip(new Uint8Array(32 * 32 * 3), shape)).toThrow(RangeError);
  });

  it('looks only for the colours of the palette it is given', () => {
    const frame = renderFrame([ball('green', 3, 8, 8), ball('red', 4, 20, 20)], size);
    const palette = { background: BACKGROUND, colours: { green: [40, 200, 60] } } as const;
    expect(trackFrame(frame, size, { palette }).map((b) => b.colour)).toEqual(['green']);
  });
});

describe('trackClip on dataset clips', () => {
  const clips = Array.from({ length: 40 }, (_, i) => datasetClip(7, i, shape));

  it('counts every ball and finds it within 0.3 px on true renders', () => {
    for (const clip of clips) {
      const { countErrors, maxPx } = trackingErrors(renderClip(clip.states, shape), clip.states);
      expect(countErrors).toBe(0);
      expect(maxPx).toBeLessThan(0.3);
    }
  });

  const degradations: [string, (clip: Uint8Array, rng: Rng) => Uint8Array][] = [
    ['blurred', (clip) => blur(clip, shape.frames)],
    ['blurred twice', (clip) => blur(blur(clip, shape.frames), shape.frames)],
    ['noisy', (clip, rng) => noisy(clip, 12, rng)],
    ['off-colour', (clip) => shifted(clip, [-25, 15, 10])],
    ['blurred, noisy and off-colour', (clip, rng) => shifted(noisy(blur(clip, 16), 8, rng), [-15, 10, 10])],
  ];
  for (const [name, degrade] of degradations) {
    it(`still counts every ball and finds it within 0.5 px when ${name}`, () => {
      const rng = new Rng(11);
      for (const clip of clips) {
        const { countErrors, maxPx } = trackingErrors(
          degrade(renderClip(clip.states, shape), rng),
          clip.states,
        );
        expect(countErrors).toBe(0);
        expect(maxPx).toBeLessThan(0.5);
      }
    });
  }
});
