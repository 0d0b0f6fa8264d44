import { describe, expect, it } from 'vitest';
import { resizeAreaAverage, scaleFrame, scaleFrames } from '../../../src/video/scale.ts';
import { squaresClip } from '../../helpers/synthetic-clip.ts';

function randomFrame(width: number, height: number, seed: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  let state = seed;
  for (let i = 0; i < out.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

const pixel = (frame: ArrayLike<number>, width: number, x: number, y: number) =>
  Array.from({ length: 4 }, (_, c) => frame[(y * width + x) * 4 + c]);

describe('scaleFrame nearest', () => {
  it('copies each pixel into an exact block at whole-number scales', () => {
    const src = randomFrame(5, 3, 1); // odd sizes on purpose
    const out = scaleFrame(src, { width: 5, height: 3 }, { width: 20, height: 12 }, 'nearest');
    for (let y = 0; y < 12; y++) {
      for (let x = 0; x < 20; x++) expect(pixel(out, 20, x, y)).toEqual(pixel(src, 5, x >> 2, y >> 2));
    }
  });

  it('is the identity at scale 1 and works on unaligned views', () => {
    const backing = new Uint8Array(1 + 6 * 4 * 4);
    const src = backing.subarray(1); // byteOffset 1: no Uint32 view possible
    src.set(randomFrame(6, 4, 2));
    expect([...scaleFrame(src, { width: 6, height: 4 }, { width: 6, height: 4 }, 'nearest')]).toEqual([
      ...src,
    ]);
  });

  it('stretches by one pixel for odd-to-even sizes without inventing colours', () => {
    const src = randomFrame(3, 3, 3);
    const out = scaleFrame(src, { width: 3, height: 3 }, { width: 4, height: 4 }, 'nearest');
    const colours = new Set<string>();
    for (let p = 0; p < 9; p++) colours.add(pixel(src, 3, p % 3, Math.floor(p / 3)).join());
    for (let p = 0; p < 16; p++)
      expect(colours.has(pixel(out, 4, p % 4, Math.floor(p / 4)).join())).toBe(true);
  });

  it('rejects a buffer of the wrong length', () => {
    expect(() =>
      scaleFrame(new Uint8Array(10), { width: 2, height: 2 }, { width: 4, height: 4 }, 'nearest'),
    ).toThrow(RangeError);
  });
});

describe('scaleFrame smooth (bilinear)', () => {
  it('keeps a flat image flat and stays within the range of its neighbours', () => {
    const flat = new Uint8ClampedArray(4 * 4 * 4).fill(77);
    expect(new Set(scaleFrame(flat, { width: 4, height: 4 }, { width: 13, height: 9 }, 'smooth'))).toEqual(
      new Set([77]),
    );
    const src = randomFrame(4, 4, 4);
    const out = scaleFrame(src, { width: 4, height: 4 }, { width: 16, height: 16 }, 'smooth');
    expect(Math.min(...out)).toBeGreaterThanOrEqual(Math.min(...src));
    expect(Math.max(...out)).toBeLessThanOrEqual(Math.max(...src));
  });

  it('interpolates halfway between two pixels at the midpoint', () => {
    const src = new Uint8ClampedArray([0, 0, 0, 255, 200, 100, 50, 255]); // 2x1
    const out = scaleFrame(src, { width: 2, height: 1 }, { width: 4, height: 1 }, 'smooth');
    // Destination centres 0.5..3.5 map to source 0, 0.25, 0.75, 1 (clamped at the edges).
    expect(pixel(out, 4, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(out, 4, 1, 0)).toEqual([50, 25, 12, 255]);
    expect(pixel(out, 4, 2, 0)).toEqual([150, 75, 38, 255]);
    expect(pixel(out, 4, 3, 0)).toEqual([200, 100, 50, 255]);
  });
});

describe('resizeAreaAverage', () => {
  it('halving is the mean of each 2x2 block', () => {
    const src = randomFrame(6, 4, 5);
    const out = resizeAreaAverage(src, { width: 6, height: 4 }, { width: 3, height: 2 });
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 3; x++) {
        for (let c = 0; c < 4; c++) {
          const mean =
            (src[(2 * y * 6 + 2 * x) * 4 + c] +
              src[(2 * y * 6 + 2 * x + 1) * 4 + c] +
              src[((2 * y + 1) * 6 + 2 * x) * 4 + c] +
              src[((2 * y + 1) * 6 + 2 * x + 1) * 4 + c]) /
            4;
          expect(Math.abs(out[(y * 3 + x) * 4 + c] - mean)).toBeLessThanOrEqual(0.5 + 1e-6);
        }
      }
    }
  });

  it('keeps the overall mean at non-integer ratios (e.g. 720 -> 32 is 22.5:1)', () => {
    const src = randomFrame(45, 45, 6);
    const out = resizeAreaAverage(src, { width: 45, height: 45 }, { width: 2, height: 2 });
    const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(out) - mean(src))).toBeLessThan(1);
  });
});

describe('scaleFrames', () => {
  it('scales every frame of a clip, frame-major', () => {
    const clip = squaresClip(4, 32, 32, 8);
    const out = scaleFrames(clip.frames, 4, clip, { width: 64, height: 64 }, 'nearest');
    expect(out.length).toBe(4 * 64 * 64 * 4);
    const third = clip.frames.subarray(2 * 32 * 32 * 4, 3 * 32 * 32 * 4);
    expect(pixel(out.subarray(2 * 64 * 64 * 4), 64, 9, 17)).toEqual(pixel(third, 32, 4, 8));
  });
});
