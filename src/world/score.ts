// Physics metrics of generated clips, from their tracked balls: do balls stay (permanence), are
// they the prompted ones (fidelity), and does a continuation follow the true physics (error in
// px against the simulator, next to two baselines that know no physics).

import { parseCaption } from './caption';
import type { ColourName } from './palette';
import type { TrackedBall, TrackedClip } from './tracker';
import type { FrameSize, WorldStates } from './types';

/** The count and colours a clip's caption asks for. */
export interface Prompted {
  colours: readonly ColourName[];
}

export function promptedBy(caption: string): Prompted {
  const description = parseCaption(caption);
  if (description === null) throw new RangeError(`not a world caption: "${caption}"`);
  return { colours: description.balls.map((ball) => ball.colour) };
}

export interface Share {
  /** Clips that pass, over clips scored. */
  share: number;
  passed: number;
  clips: number;
  /** Frames that pass, over frames scored (all clips pooled): a softer view of the same test. */
  frameShare: number;
}

function countShare(
  prompts: readonly Prompted[],
  tracked: readonly TrackedClip[],
  fromFrame: number,
  framePasses: (prompt: Prompted, balls: readonly TrackedBall[]) => boolean,
  clipPasses: (passedFrames: number, scoredFrames: number) => boolean,
): Share {
  if (prompts.length !== tracked.length) {
    throw new RangeError(`${prompts.length} prompts for ${tracked.length} tracked clips`);
  }
  let passed = 0;
  let framesPassed = 0;
  let framesScored = 0;
  tracked.forEach((clip, i) => {
    const scored = clip.frames.slice(fromFrame);
    if (scored.length === 0) throw new RangeError(`clip ${i} has no frames from frame ${fromFrame} on`);
    const ok = scored.filter((balls) => framePasses(prompts[i]!, balls)).length;
    framesPassed += ok;
    framesScored += scored.length;
    if (clipPasses(ok, scored.length)) passed++;
  });
  const clips = tracked.length;
  return {
    share: clips === 0 ? 0 : passed / clips,
    passed,
    clips,
    frameShare: framesScored === 0 ? 0 : framesPassed / framesScored,
  };
}

/** A clip passes when every frame from `fromFrame` on holds exactly the prompted number of balls. */
export function objectPermanence(
  prompts: readonly Prompted[],
  tracked: readonly TrackedClip[],
  fromFrame = 0,
): Share {
  return countShare(
    prompts,
    tracked,
    fromFrame,
    (prompt, balls) => balls.length === prompt.colours.length,
    (ok, scored) => ok === scored,
  );
}

const sortedKey = (colours: readonly string[]): string => [...colours].sort().join(',');

/**
 * A frame matches when its tracked colours, as a multiset, equal the caption's (so the count
 * matches too); a clip passes when a strict majority of its frames from `fromFrame` on match.
 */
export function promptFidelity(
  prompts: readonly Prompted[],
  tracked: readonly TrackedClip[],
  fromFrame = 0,
): Share {
  return countShare(
    prompts,
    tracked,
    fromFrame,
    (prompt, balls) => sortedKey(balls.map((b) => b.colour)) === sortedKey(prompt.colours),
    (ok, scored) => 2 * ok > scored,
  );
}

// ---------------------------------------------------------------------------------------------
// Continuation error

/** The simulator's run of the clip a continuation was asked to continue. */
export interface Truth {
  /** px/frame², as in Scene. */
  gravity: number;
  states: WorldStates;
}

export interface MeanError {
  /** Mean distance in px over the ball-frames counted; null when there are none. */
  meanPx: number | null;
  ballFrames: number;
}

/** Split at each ball's first bounce: frames before it, and frames from it on. */
export interface SplitError {
  all: MeanError;
  beforeBounce: MeanError;
  afterBounce: MeanError;
}

export interface ContinuationScore {
  model: SplitError;
  copyLast: SplitError;
  constantVelocity: SplitError;
  /** Ball-frames where the prediction had no ball of the true ball's colour (each scored at missingPenaltyPx). */
  missingBallFrames: number;
  missingPenaltyPx: number;
}

// States in meta.json are rounded to 1e-3, so a velocity change below this is no bounce.
const BOUNCE_TOLERANCE = 1e-2;

/**
 * For each ball, the first frame whose velocity is not the previous one plus gravity (a wall or
 * a ball hit it between the two frames); `states.length` for a ball that never bounces.
 */
export function firstBounceFrames(truth: Truth): number[] {
  const { states, gravity } = truth;
  const first = states[0]!.map(() => states.length);
  for (let t = 1; t < states.length; t++) {
    states[t]!.forEach((ball, b) => {
      const before = states[t - 1]![b]!;
      const kicked =
        Math.abs(ball.vx - before.vx) > BOUNCE_TOLERANCE ||
        Math.abs(ball.vy - before.vy - gravity) > BOUNCE_TOLERANCE;
      if (kicked && first[b] === states.length) first[b] = t;
    });
  }
  return first;
}

export type Baseline = 'copyLast' | 'constantVelocity';

/** Where a baseline puts ball `b` in frame t, from the last two given frames alone. */
export function baselinePosition(
  states: WorldStates,
  contextFrames: number,
  b: number,
  t: number,
  baseline: Baseline,
): { x: number; y: number } {
  const last = states[contextFrames - 1]![b]!;
  if (baseline === 'copyLast') return { x: last.x, y: last.y };
  const before = states[contextFrames - 2]![b]!;
  const ahead = t - (contextFrames - 1);
  return { x: last.x + ahead * (last.x - before.x), y: last.y + ahead * (last.y - before.y) };
}

class ErrorSum {
  private sums = { all: [0, 0], beforeBounce: [0, 0], afterBounce: [0, 0] };

  add(distance: number, afterBounce: boolean): void {
    for (const key of ['all', afterBounce ? 'afterBounce' : 'beforeBounce'] as const) {
      this.sums[key][0] += distance;
      this.sums[key][1] += 1;
    }
  }

  result(): SplitError {
    const mean = ([sum, n]: number[]): MeanError => ({ meanPx: n === 0 ? null : sum! / n!, ballFrames: n! });
    return {
      all: mean(this.sums.all),
      beforeBounce: mean(this.sums.beforeBounce),
      afterBounce: mean(this.sums.afterBounce),
    };
  }
}

/**
 * Mean centroid distance between predicted and true balls over frames `contextFrames` to the
 * end, matched by colour (the largest tracked ball of that colour). A true ball with no match
 * costs the frame diagonal, the largest distance a tracked ball could have, so dropping a ball
 * never lowers the error. Extra balls cost nothing here: permanence counts them.
 */
export function continuationError(
  tracked: readonly TrackedClip[],
  truths: readonly Truth[],
  contextFrames: number,
  size: FrameSize,
): ContinuationScore {
  if (tracked.length !== truths.length) {
    throw new RangeError(`${tracked.length} tracked clips for ${truths.length} true ones`);
  }
  if (!Number.isInteger(contextFrames) || contextFrames < 2) {
    throw new RangeError(`the baselines need at least 2 context frames, got ${contextFrames}`);
  }
  const penalty = Math.hypot(size.width, size.height);
  const model = new ErrorSum();
  const copyLast = new ErrorSum();
  const constantVelocity = new ErrorSum();
  let missing = 0;
  tracked.forEach((clip, i) => {
    const truth = truths[i]!;
    const { states } = truth;
    if (clip.frames.length !== states.length) {
      throw new RangeError(`clip ${i} has ${clip.frames.length} frames, its truth ${states.length}`);
    }
    const colours = states[0]!.map((ball) => ball.colour);
    if (new Set(colours).size !== colours.length) {
      throw new RangeError(
        `clip ${i} has two true balls of one colour; matching by colour needs distinct ones`,
      );
    }
    const bounce = firstBounceFrames(truth);
    for (let t = contextFrames; t < states.length; t++) {
      states[t]!.forEach((ball, b) => {
        const after = t >= bounce[b]!;
        const found = clip.frames[t]!.find((candidate) => candidate.colour === ball.colour);
        if (found === undefined) missing++;
        model.add(found ? Math.hypot(found.x - ball.x, found.y - ball.y) : penalty, after);
        for (const [baseline, sum] of [
          ['copyLast', copyLast],
          ['constantVelocity', constantVelocity],
        ] as const) {
          const p = baselinePosition(states, contextFrames, b, t, baseline);
          sum.add(Math.hypot(p.x - ball.x, p.y - ball.y), after);
        }
      });
    }
  });
  return {
    model: model.result(),
    copyLast: copyLast.result(),
    constantVelocity: constantVelocity.result(),
    missingBallFrames: missing,
    missingPenaltyPx: penalty,
  };
}
