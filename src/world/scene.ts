// The random scene sampler: draw what a caption would say, then positions and velocities
// that fit it. Rejection sampling keeps it to +, -, *, /, sqrt, so scenes match across engines.

import type { SceneDescription } from './caption';
import {
  GRAVITY_CLASSES,
  GRAVITY_RANGE_PX,
  MAX_BALLS,
  RADIUS_PX,
  SIZE_CLASSES,
  SPEED_CLASSES,
  SPEED_RANGE_PX,
  sceneScale,
} from './classes';
import { COLOUR_NAMES, type ColourName } from './palette';
import type { Rng } from './rng';
import type { BallState, Scene } from './types';

export interface SceneOptions {
  width?: number;
  height?: number;
  /** Draw a scene that fits this description instead of a random one. */
  description?: SceneDescription;
}

const MAX_PLACEMENT_TRIES = 1000;

/** 1-3 balls of distinct colours, each size, speed and gravity class equally likely. */
export function sampleDescription(rng: Rng): SceneDescription {
  const count = 1 + rng.int(MAX_BALLS);
  const colours: ColourName[] = [...COLOUR_NAMES];
  const balls = [];
  for (let i = 0; i < count; i++) {
    // Partial Fisher-Yates: distinct colours let a caption name each ball.
    const j = i + rng.int(colours.length - i);
    [colours[i], colours[j]] = [colours[j]!, colours[i]!];
    balls.push({ colour: colours[i]!, size: rng.pick(SIZE_CLASSES) });
  }
  return { balls, speed: rng.pick(SPEED_CLASSES), gravity: rng.pick(GRAVITY_CLASSES) };
}

export function sampleScene(rng: Rng, options: SceneOptions = {}): Scene {
  const width = options.width ?? 32;
  const height = options.height ?? 32;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new RangeError(`scene size must be positive integers, got ${width}x${height}`);
  }
  const description = options.description ?? sampleDescription(rng);
  const scale = sceneScale(width, height);
  const gap = scale;
  const [speedLow, speedHigh] = SPEED_RANGE_PX[description.speed];
  const [gravityLow, gravityHigh] = GRAVITY_RANGE_PX[description.gravity];
  const balls: BallState[] = [];
  for (const { colour, size } of description.balls) {
    const radius = RADIUS_PX[size] * scale;
    const { x, y } = placeBall(rng, radius, gap, balls, width, height);
    const speed = rng.range(speedLow, speedHigh) * scale;
    const [dx, dy] = randomDirection(rng);
    balls.push({ colour, radius, x, y, vx: speed * dx, vy: speed * dy });
  }
  const gravity = description.gravity === 'no' ? 0 : rng.range(gravityLow, gravityHigh) * scale;
  return { width, height, gravity, balls };
}

function placeBall(
  rng: Rng,
  radius: number,
  gap: number,
  placed: readonly BallState[],
  width: number,
  height: number,
): { x: number; y: number } {
  for (let attempt = 0; attempt < MAX_PLACEMENT_TRIES; attempt++) {
    const x = rng.range(radius, width - radius);
    const y = rng.range(radius, height - radius);
    const clear = placed.every((other) => {
      const dx = other.x - x;
      const dy = other.y - y;
      const reach = other.radius + radius + gap;
      return dx * dx + dy * dy >= reach * reach;
    });
    if (clear) return { x, y };
  }
  throw new RangeError(`no room for a ball of radius ${radius} in a ${width}x${height} scene`);
}

// A uniform point in the unit disk (away from its centre), normalised: a uniform direction.
function randomDirection(rng: Rng): [number, number] {
  for (;;) {
    const u = rng.range(-1, 1);
    const v = rng.range(-1, 1);
    const lengthSquared = u * u + v * v;
    if (lengthSquared > 0.01 && lengthSquared <= 1) {
      const length = Math.sqrt(lengthSquared);
      return [u / length, v / length];
    }
  }
}
