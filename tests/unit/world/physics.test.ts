import { describe, expect, it } from 'vitest';
import { collide, kineticEnergy, momentum, simulate, validateScene } from '../../../src/world/physics';
import { Rng } from '../../../src/world/rng';
import { sampleScene } from '../../../src/world/scene';
import type { BallState, Scene } from '../../../src/world/types';

const ball = (colour: BallState['colour'], radius: number, x: number, y: number, vx: number, vy: number) => ({
  colour,
  radius,
  x,
  y,
  vx,
  vy,
});

function randomScenes(count: number, gravity: 'no' | 'any', size = { width: 32, height: 32 }): Scene[] {
  return Array.from({ length: count }, (_, index) => {
    const rng = new Rng(2024, index);
    const scene = sampleScene(rng, size);
    return gravity === 'no' ? { ...scene, gravity: 0 } : scene;
  });
}

// A velocity change away from every wall can only come from another ball.
function ballCollisionsIn(scene: Scene, frames: number): number {
  const states = simulate(scene, frames);
  let collisions = 0;
  for (let t = 1; t < states.length; t++) {
    states[t]!.forEach((b, i) => {
      const before = states[t - 1]![i]!;
      const nearWall = Math.min(b.x, scene.width - b.x, b.y, scene.height - b.y) < b.radius + 4;
      if (!nearWall && (b.vx !== before.vx || b.vy !== before.vy)) collisions++;
    });
  }
  return collisions;
}

describe('simulate', () => {
  it('is deterministic and starts from the scene', () => {
    const scene = sampleScene(new Rng(9), {});
    const states = simulate(scene, 16);
    expect(states).toHaveLength(16);
    expect(states[0]).toEqual(scene.balls);
    expect(simulate(scene, 16)).toEqual(states);
    expect(scene.balls[0]).toEqual(states[0]![0]); // the scene itself is not moved
  });

  it('keeps kinetic energy within 1e-9 without gravity, through wall and ball collisions', () => {
    let collisions = 0;
    for (const scene of randomScenes(300, 'no')) {
      const states = simulate(scene, 64);
      const start = kineticEnergy(states[0]!);
      for (const balls of states) {
        expect(Math.abs(kineticEnergy(balls) - start) / start).toBeLessThan(1e-9);
      }
      collisions += ballCollisionsIn(scene, 64);
    }
    expect(collisions).toBeGreaterThan(50);
  });

  it('conserves momentum when balls collide away from walls', () => {
    const scene: Scene = {
      width: 400,
      height: 400,
      gravity: 0,
      balls: [
        ball('red', 5, 150, 200, 2, 0.3),
        ball('blue', 3, 200, 203, -1.5, 0),
        ball('green', 4, 175, 160, 0.1, 1.8),
      ],
    };
    const states = simulate(scene, 30);
    const before = momentum(states[0]!);
    const after = momentum(states[29]!);
    expect(states[29]![0]!.vx).not.toBe(2); // they did collide
    const scale = Math.abs(before.px) + Math.abs(before.py);
    expect(Math.abs(after.px - before.px) / scale).toBeLessThan(1e-12);
    expect(Math.abs(after.py - before.py) / scale).toBeLessThan(1e-12);
    expect(Math.abs(kineticEnergy(states[29]!) / kineticEnergy(states[0]!) - 1)).toBeLessThan(1e-12);
  });

  it('gives the textbook head-on result for unequal masses', () => {
    const a = ball('red', 2, 10, 10, 1, 0); // mass 4
    const b = ball('blue', 1, 12.9, 10, 0, 0); // mass 1
    collide(a, b);
    expect(a.vx).toBeCloseTo((4 - 1) / 5, 12);
    expect(b.vx).toBeCloseTo((2 * 4) / 5, 12);
    expect(a.vy).toBe(0);
    expect(Math.abs(b.x - a.x)).toBeCloseTo(3, 12);
    const twin = [ball('red', 3, 10, 10, 1, 0), ball('blue', 3, 15, 10, -1, 0)];
    collide(twin[0]!, twin[1]!);
    expect([twin[0]!.vx, twin[1]!.vx]).toEqual([-1, 1]);
  });

  it('keeps every ball inside the frame and apart from the others', () => {
    const sizes = [
      { width: 32, height: 32 },
      { width: 48, height: 24 },
      { width: 64, height: 64 },
    ];
    let worstOverlap = 0;
    let outside = 0;
    for (const size of sizes) {
      for (const scene of randomScenes(150, 'any', size)) {
        for (const balls of simulate(scene, 120)) {
          for (const b of balls) {
            const inside =
              b.x >= b.radius &&
              b.x <= scene.width - b.radius &&
              b.y >= b.radius &&
              b.y <= scene.height - b.radius;
            if (!inside) outside++;
          }
          for (let i = 0; i < balls.length; i++) {
            for (let j = i + 1; j < balls.length; j++) {
              const p = balls[i]!;
              const q = balls[j]!;
              const gap = Math.sqrt((p.x - q.x) ** 2 + (p.y - q.y) ** 2) - p.radius - q.radius;
              worstOverlap = Math.max(worstOverlap, -gap);
            }
          }
        }
      }
    }
    expect(outside).toBe(0);
    expect(worstOverlap).toBeLessThan(0.01); // px; resting stacks under gravity squeeze a little
  });

  it('pulls balls placed across a wall back inside', () => {
    const states = simulate({ width: 32, height: 32, gravity: 0, balls: [ball('red', 4, -3, 40, 0, 0)] }, 2);
    expect(states[0]![0]).toMatchObject({ x: 4, y: 28 });
  });

  it('says what is wrong with a bad scene', () => {
    const good: Scene = { width: 32, height: 32, gravity: 0.1, balls: [ball('red', 4, 10, 10, 1, 0)] };
    expect(() => validateScene(good)).not.toThrow();
    expect(() => simulate({ ...good, gravity: -1 }, 4)).toThrow(/gravity/);
    expect(() => simulate({ ...good, balls: [ball('red', 20, 16, 16, 0, 0)] }, 4)).toThrow(/radius/);
    expect(() => simulate({ ...good, balls: [{ ...good.balls[0]!, colour: 'mauve' as 'red' }] }, 4)).toThrow(
      /colour/,
    );
    expect(() => simulate({ ...good, balls: [ball('red', 4, NaN, 10, 0, 0)] }, 4)).toThrow(
      /x must be finite/,
    );
    expect(() => simulate(good, 0)).toThrow(/frames/);
  });
});
