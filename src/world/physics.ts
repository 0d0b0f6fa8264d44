// Deterministic rigid-ball physics: semi-implicit Euler in fixed substeps, elastic walls and
// elastic ball-ball collisions (equal density, so mass ~ r²). Only +, -, *, / and Math.sqrt,
// which IEEE 754 rounds identically everywhere, so a scene gives the same clip bit for bit.

import { isColourName } from './palette';
import type { BallState, Scene, WorldStates } from './types';

export const DEFAULT_SUBSTEPS = 8;
const RELAXATION_PASSES = 4;

export interface SimulateOptions {
  /** Integration steps per frame; more keeps fast balls from tunnelling. */
  substeps?: number;
}

/** Throws a RangeError naming the first thing wrong with a scene. */
export function validateScene(scene: Scene): void {
  const { width, height, gravity, balls } = scene;
  if (!(Number.isFinite(width) && width > 0 && Number.isFinite(height) && height > 0)) {
    throw new RangeError(`scene size must be positive, got ${width}x${height}`);
  }
  if (!(Number.isFinite(gravity) && gravity >= 0)) {
    throw new RangeError(`gravity must be a finite number >= 0 (px/frame², downward), got ${gravity}`);
  }
  balls.forEach((ball, index) => {
    const where = `ball ${index}`;
    if (!isColourName(ball.colour)) throw new RangeError(`${where} has unknown colour "${ball.colour}"`);
    if (!(Number.isFinite(ball.radius) && ball.radius > 0 && 2 * ball.radius <= Math.min(width, height))) {
      throw new RangeError(
        `${where} radius must be in (0, ${Math.min(width, height) / 2}], got ${ball.radius}`,
      );
    }
    for (const key of ['x', 'y', 'vx', 'vy'] as const) {
      if (!Number.isFinite(ball[key]))
        throw new RangeError(`${where} ${key} must be finite, got ${ball[key]}`);
    }
  });
}

/**
 * Runs a scene for `frames` frames. Frame 0 is the scene with every ball pulled inside the walls;
 * each later frame is one unit of time on.
 */
export function simulate(scene: Scene, frames: number, options: SimulateOptions = {}): WorldStates {
  validateScene(scene);
  const substeps = options.substeps ?? DEFAULT_SUBSTEPS;
  if (!Number.isInteger(frames) || frames < 1)
    throw new RangeError(`frames must be an integer >= 1, got ${frames}`);
  if (!Number.isInteger(substeps) || substeps < 1) {
    throw new RangeError(`substeps must be an integer >= 1, got ${substeps}`);
  }
  const balls = scene.balls.map((ball) => ({ ...ball }));
  for (const ball of balls) keepInside(ball, scene.width, scene.height);
  const states: WorldStates = [balls.map((ball) => ({ ...ball }))];
  const dt = 1 / substeps;
  for (let frame = 1; frame < frames; frame++) {
    for (let step = 0; step < substeps; step++) advance(balls, scene, dt);
    states.push(balls.map((ball) => ({ ...ball })));
  }
  return states;
}

function advance(balls: BallState[], scene: Scene, dt: number): void {
  for (const ball of balls) {
    ball.vy += scene.gravity * dt;
    ball.x += ball.vx * dt;
    ball.y += ball.vy * dt;
  }
  // Relaxation passes: separating one contact can push a ball into a wall or a third ball.
  for (let pass = 0; pass < RELAXATION_PASSES; pass++) {
    for (let i = 0; i < balls.length; i++) {
      for (let j = i + 1; j < balls.length; j++) collide(balls[i]!, balls[j]!);
    }
    for (const ball of balls) bounceOffWalls(ball, scene.width, scene.height);
  }
}

/** Elastic impulse along the line of centres if the balls overlap and approach, then separation. */
export function collide(a: BallState, b: BallState): void {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const reach = a.radius + b.radius;
  const distanceSquared = dx * dx + dy * dy;
  if (distanceSquared >= reach * reach) return;
  const distance = Math.sqrt(distanceSquared);
  // Coincident centres have no line between them; push apart along x.
  const nx = distance > 0 ? dx / distance : 1;
  const ny = distance > 0 ? dy / distance : 0;
  const massA = a.radius * a.radius;
  const massB = b.radius * b.radius;
  const totalMass = massA + massB;
  const approach = (b.vx - a.vx) * nx + (b.vy - a.vy) * ny;
  if (approach < 0) {
    const impulse = (2 * approach) / totalMass;
    a.vx += impulse * massB * nx;
    a.vy += impulse * massB * ny;
    b.vx -= impulse * massA * nx;
    b.vy -= impulse * massA * ny;
  }
  // Split the overlap by inverse mass so the centre of mass stays where it was.
  const overlap = reach - distance;
  a.x -= nx * overlap * (massB / totalMass);
  a.y -= ny * overlap * (massB / totalMass);
  b.x += nx * overlap * (massA / totalMass);
  b.y += ny * overlap * (massA / totalMass);
}

/** Mirrors a ball that crossed a wall back inside and turns its velocity away from the wall. */
function bounceOffWalls(ball: BallState, width: number, height: number): void {
  const r = ball.radius;
  if (ball.x < r) {
    ball.x = 2 * r - ball.x;
    ball.vx = Math.abs(ball.vx);
  } else if (ball.x > width - r) {
    ball.x = 2 * (width - r) - ball.x;
    ball.vx = -Math.abs(ball.vx);
  }
  if (ball.y < r) {
    ball.y = 2 * r - ball.y;
    ball.vy = Math.abs(ball.vy);
  } else if (ball.y > height - r) {
    ball.y = 2 * (height - r) - ball.y;
    ball.vy = -Math.abs(ball.vy);
  }
  keepInside(ball, width, height);
}

// A mirror can overshoot the far wall only when a ball moves more than the free width in a step.
function keepInside(ball: BallState, width: number, height: number): void {
  const r = ball.radius;
  ball.x = Math.min(Math.max(ball.x, r), width - r);
  ball.y = Math.min(Math.max(ball.y, r), height - r);
}

export function kineticEnergy(balls: readonly BallState[]): number {
  let energy = 0;
  for (const ball of balls)
    energy += 0.5 * ball.radius * ball.radius * (ball.vx * ball.vx + ball.vy * ball.vy);
  return energy;
}

export function momentum(balls: readonly BallState[]): { px: number; py: number } {
  let px = 0;
  let py = 0;
  for (const ball of balls) {
    px += ball.radius * ball.radius * ball.vx;
    py += ball.radius * ball.radius * ball.vy;
  }
  return { px, py };
}
