import { describe, expect, it } from 'vitest';
import { BACKGROUND, COLOURS } from '../../../src/world/palette';
import { renderClip, renderFrame } from '../../../src/world/render';
import type { BallState } from '../../../src/world/types';

const size = { width: 32, height: 32 };
const red = (x: number, y: number, radius: number): BallState => ({
  colour: 'red',
  radius,
  x,
  y,
  vx: 0,
  vy: 0,
});
const pixel = (frame: Uint8Array, x: number, y: number) =>
  Array.from(frame.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));

describe('renderFrame', () => {
  it('draws an empty scene as exact background', () => {
    const frame = renderFrame([], size);
    expect(frame).toHaveLength(32 * 32 * 3);
    for (let i = 0; i < frame.length; i += 3)
      expect([frame[i], frame[i + 1], frame[i + 2]]).toEqual([...BACKGROUND]);
  });

  it('puts the coverage centroid within 0.25 px of the ball centre', () => {
    const [red0] = COLOURS.red;
    for (const [x, y, radius] of [
      [13.3, 17.8, 4],
      [16, 16, 3],
      [7.71, 22.05, 5],
      [20.5, 9.25, 2.5],
    ] as const) {
      const frame = renderFrame([red(x, y, radius)], size);
      let total = 0;
      let sumX = 0;
      let sumY = 0;
      for (let py = 0; py < 32; py++) {
        for (let px = 0; px < 32; px++) {
          const coverage = (frame[(py * 32 + px) * 3]! - BACKGROUND[0]) / (red0 - BACKGROUND[0]);
          total += coverage;
          sumX += coverage * (px + 0.5);
          sumY += coverage * (py + 0.5);
        }
      }
      expect(Math.abs(sumX / total - x)).toBeLessThan(0.25);
      expect(Math.abs(sumY / total - y)).toBeLessThan(0.25);
      expect(total).toBeCloseTo(Math.PI * radius * radius, 0); // the disc's area, in pixels
    }
  });

  it('leaves pixels beyond the edge exact, fills the inside, and antialiases the edge', () => {
    const ball = red(13.3, 17.8, 4);
    const frame = renderFrame([ball], size);
    let edge = 0;
    for (let py = 0; py < 32; py++) {
      for (let px = 0; px < 32; px++) {
        const d = Math.sqrt((px + 0.5 - ball.x) ** 2 + (py + 0.5 - ball.y) ** 2);
        const rgb = pixel(frame, px, py);
        if (d >= ball.radius + 0.5) expect(rgb).toEqual([...BACKGROUND]);
        else if (d <= ball.radius - 0.5) expect(rgb).toEqual([...COLOURS.red]);
        else if (rgb[0]! > BACKGROUND[0] && rgb[0]! < COLOURS.red[0]) edge++;
      }
    }
    expect(edge).toBeGreaterThan(10);
  });

  it('paints later balls over earlier ones and clips at the frame edge', () => {
    const blue: BallState = { colour: 'blue', radius: 4, x: 16, y: 16, vx: 0, vy: 0 };
    const frame = renderFrame([red(14, 16, 4), blue, red(0.5, 31.5, 3)], size);
    expect(pixel(frame, 15, 15)).toEqual([...COLOURS.blue]);
    expect(pixel(frame, 11, 16)).toEqual([...COLOURS.red]);
    expect(pixel(frame, 0, 31)).toEqual([...COLOURS.red]);
  });
});

describe('renderClip', () => {
  it('stacks frames as (T, H, W, 3)', () => {
    const states = [[red(10, 10, 3)], [red(12, 11, 3)], []];
    const clip = renderClip(states, { width: 32, height: 24 });
    expect(clip).toHaveLength(3 * 24 * 32 * 3);
    states.forEach((balls, t) => {
      const frameBytes = 24 * 32 * 3;
      expect(clip.subarray(t * frameBytes, (t + 1) * frameBytes)).toEqual(
        renderFrame(balls, { width: 32, height: 24 }),
      );
    });
  });

  it('rejects sizes that are not positive integers', () => {
    expect(() => renderFrame([], { width: 0, height: 32 })).toThrow(RangeError);
    expect(() => renderFrame([], { width: 31.5, height: 32 })).toThrow(RangeError);
  });
});
