// The word classes a caption speaks of, the ranges the sampler draws them from, and the
// thresholds that classify any scene. Ranges are given for a 32x32 frame and scale with it.

import type { Scene } from './types';

export type SizeClass = 'small' | 'big';
export type SpeedClass = 'slow' | 'fast';
export type GravityClass = 'no' | 'weak' | 'strong';

export const SIZE_CLASSES = ['small', 'big'] as const satisfies readonly SizeClass[];
export const SPEED_CLASSES = ['slow', 'fast'] as const satisfies readonly SpeedClass[];
export const GRAVITY_CLASSES = ['no', 'weak', 'strong'] as const satisfies readonly GravityClass[];

export const MAX_BALLS = 3;
const REFERENCE_SIZE_PX = 32;

/** Ball radius in px at 32x32. */
export const RADIUS_PX: Record<SizeClass, number> = { small: 3, big: 5 };
const RADIUS_SPLIT_PX = 4;

/** Initial speed per ball in px/frame at 32x32: 16 frames move a ball 7-18 px or 24-40 px. */
export const SPEED_RANGE_PX: Record<SpeedClass, readonly [number, number]> = {
  slow: [0.5, 1.2],
  fast: [1.6, 2.6],
};
const SPEED_SPLIT_PX = 1.4;

/** Gravity in px/frame² at 32x32: 15 frames of free fall drop 6-14 px (weak), 22-39 px (strong). */
export const GRAVITY_RANGE_PX: Record<GravityClass, readonly [number, number]> = {
  no: [0, 0],
  weak: [0.05, 0.12],
  strong: [0.2, 0.35],
};
const GRAVITY_NONE_BELOW_PX = 0.01;
const GRAVITY_SPLIT_PX = 0.16;

/** Lengths scale with the smaller side so a 64x64 scene looks like a 32x32 one, enlarged. */
export function sceneScale(width: number, height: number): number {
  return Math.min(width, height) / REFERENCE_SIZE_PX;
}

export function sizeClassOf(radius: number, scale: number): SizeClass {
  return radius < RADIUS_SPLIT_PX * scale ? 'small' : 'big';
}

/** Classified by the mean initial speed of the balls. */
export function speedClassOf(scene: Scene): SpeedClass {
  const scale = sceneScale(scene.width, scene.height);
  let total = 0;
  for (const ball of scene.balls) total += Math.sqrt(ball.vx * ball.vx + ball.vy * ball.vy);
  const mean = scene.balls.length === 0 ? 0 : total / scene.balls.length;
  return mean < SPEED_SPLIT_PX * scale ? 'slow' : 'fast';
}

export function gravityClassOf(gravity: number, scale: number): GravityClass {
  if (gravity < GRAVITY_NONE_BELOW_PX * scale) return 'no';
  return gravity < GRAVITY_SPLIT_PX * scale ? 'weak' : 'strong';
}
