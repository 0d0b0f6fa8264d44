import { describe, expect, it } from 'vitest';
import { datasetClip } from '../../../src/world/dataset';
import { renderClip } from '../../../src/world/render';
import {
  baselinePosition,
  continuationError,
  firstBounceFrames,
  objectPermanence,
  promptFidelity,
  promptedBy,
  type Truth,
} from '../../../src/world/score';
import { trackClip, type TrackedClip } from '../../../src/world/tracker';
import type { BallState, WorldStates } from '../../../src/world/types';

const shape = { frames: 16, width: 32, height: 32 };
const size = { width: 32, height: 32 };
const diagonal = Math.hypot(32, 32);

const clips = Array.from({ length: 24 }, (_, i) => datasetClip(5, i, shape));
const prompts = clips.map((clip) => promptedBy(clip.caption));
const truths: Truth[] = clips.map((clip) => ({ gravity: clip.scene.gravity, states: clip.states }));
const track = (states: WorldStates): TrackedClip => trackClip(renderClip(states, shape), shape);
const perfect = clips.map((clip) => track(clip.states));

/** The clip's states with ball `b` gone from frame `from` on. */
const withoutBall = (states: WorldStates, b: number, from: number): WorldStates =>
  states.map((balls, t) => (t < from ? balls : balls.filter((_, k) => k !== b)));

const multiBall = clips.findIndex((clip) => clip.scene.balls.length > 1);

describe('scores of perfect predictions', () => {
  it('give permanence 1, fidelity 1 and a continuation error near 0', () => {
    expect(objectPermanence(prompts, perfect).share).toBe(1);
    expect(promptFidelity(prompts, perfect).share).toBe(1);
    const score = continuationError(perfect, truths, 2, size);
    expect(score.missingBallFrames).toBe(0);
    expect(score.model.all.meanPx).toBeLessThan(0.1);
    expect(score.model.all.ballFrames).toBe(truths.reduce((n, t) => n + 14 * t.states[0]!.length, 0));
    // The baselines know no physics: far worse than the truth on the same frames.
    expect(score.copyLast.all.meanPx).toBeGreaterThan(3);
    expect(score.constantVelocity.all.meanPx).toBeGreaterThan(1);
  });
});

describe('scores of broken predictions', () => {
  it('drop permanence when a ball vanishes, and never lower the error', () => {
    const broken = [...perfect];
    broken[multiBall] = track(withoutBall(clips[multiBall]!.states, 0, 9));
    const permanence = objectPermanence(prompts, broken);
    expect(permanence.passed).toBe(clips.length - 1);
    expect(permanence.frameShare).toBeCloseTo(1 - 7 / (16 * clips.length), 10);
    const before = continuationError(perfect, truths, 2, size);
    const after = continuationError(broken, truths, 2, size);
    expect(after.missingBallFrames).toBe(7);
    expect(after.model.all.meanPx!).toBeGreaterThan(before.model.all.meanPx!);
    expect(after.missingPenaltyPx).toBe(diagonal);
  });

  it('drop fidelity when a ball has the wrong colour, but not permanence', () => {
    const states = clips[0]!.states;
    const used = new Set(states[0]!.map((b) => b.colour));
    const other = (['red', 'green', 'blue', 'yellow'] as const).find((c) => !used.has(c))!;
    const recoloured = states.map((balls) => balls.map((b, k) => (k === 0 ? { ...b, colour: other } : b)));
    const broken = [track(recoloured), ...perfect.slice(1)];
    expect(promptFidelity(prompts, broken).passed).toBe(clips.length - 1);
    expect(objectPermanence(prompts, broken).share).toBe(1);
  });

  it('pass fidelity on a strict majority of matching frames only', () => {
    const states = clips[multiBall]!.states;
    const prompt = [prompts[multiBall]!];
    // 8 of 16 frames wrong: half is not a majority; 7 wrong passes.
    expect(promptFidelity(prompt, [track(withoutBall(states, 1, 8))]).passed).toBe(0);
    expect(promptFidelity(prompt, [track(withoutBall(states, 1, 9))]).passed).toBe(1);
    // Scoring from frame 9 on sees only the broken frames.
    expect(objectPermanence(prompt, [track(withoutBall(states, 1, 9))], 9).frameShare).toBe(0);
    expect(objectPermanence(prompt, [track(withoutBall(states, 1, 9))], 0).frameShare).toBe(9 / 16);
  });

  it('count an empty prediction at the frame diagonal', () => {
    const empty = perfect.map((clip) => ({ frames: clip.frames.map(() => []) }));
    const score = continuationError(empty, truths, 2, size);
    expect(score.model.all.meanPx).toBeCloseTo(diagonal, 10);
    expect(score.missingBallFrames).toBe(score.model.all.ballFrames);
  });
});

describe('baselines and bounces on a hand-made clip', () => {
  // One ball moving right at 2 px/frame, hitting a wall between frames 2 and 3.
  const xs = [10, 12, 14, 13, 11];
  const vxs = [2, 2, 2, -2, -2];
  const states: WorldStates = xs.map((x, t) => [
    { colour: 'red', radius: 3, x, y: 16, vx: vxs[t]!, vy: 0 } satisfies BallState,
  ]);
  const truth: Truth = { gravity: 0, states };

  it('finds the first bounce where the velocity changes', () => {
    expect(firstBounceFrames(truth)).toEqual([3]);
    // Gravity alone is no bounce.
    const falling = [0, 1, 2, 3].map((t) => [{ ...states[0]![0]!, y: 5 + 0.25 * t * t, vy: 0.5 * t }]);
    expect(firstBounceFrames({ gravity: 0.5, states: falling })).toEqual([4]);
  });

  it('extrapolates from the last two given frames', () => {
    expect(baselinePosition(states, 2, 0, 4, 'copyLast')).toEqual({ x: 12, y: 16 });
    expect(baselinePosition(states, 2, 0, 4, 'constantVelocity')).toEqual({ x: 18, y: 16 });
    expect(baselinePosition(states, 3, 0, 4, 'constantVelocity')).toEqual({ x: 18, y: 16 });
  });

  it('splits the error at the bounce', () => {
    // A prediction 1 px below the truth in every frame.
    const tracked: TrackedClip = {
      frames: states.map((balls) => balls.map((b) => ({ colour: b.colour, x: b.x, y: b.y + 1, area: 28 }))),
    };
    const score = continuationError([tracked], [truth], 2, size);
    expect(score.model.all).toEqual({ meanPx: 1, ballFrames: 3 });
    // copy-last predicts x = 12: off by 2, then 1 and 1 after the bounce.
    expect(score.copyLast.beforeBounce).toEqual({ meanPx: 2, ballFrames: 1 });
    expect(score.copyLast.afterBounce).toEqual({ meanPx: 1, ballFrames: 2 });
    expect(score.copyLast.all.meanPx).toBeCloseTo(4 / 3, 12);
    // constant velocity predicts 14, 16, 18: exact, then off by 3 and 7.
    expect(score.constantVelocity.beforeBounce).toEqual({ meanPx: 0, ballFrames: 1 });
    expect(score.constantVelocity.afterBounce).toEqual({ meanPx: 5, ballFrames: 2 });
  });

  it('rejects too little context and mismatched inputs', () => {
    expect(() => continuationError([], [], 1, size)).toThrow(RangeError);
    expect(() => continuationError([], [truth], 2, size)).toThrow(RangeError);
    expect(() => promptedBy('a purple ball')).toThrow(RangeError);
  });
});
