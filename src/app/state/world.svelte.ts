// World Lab: a scene the user builds, its true physics, and the model's continuation of its first
// frames, tracked and scored. The truth side needs no model and no GPU.
import type { Frames, GenerationParams } from '../../engine/protocol.ts';
import {
  COLOUR_NAMES,
  GRAVITY_CLASSES,
  MAX_BALLS,
  RADIUS_PX,
  captionFor,
  renderClip,
  sceneScale,
  simulate,
  type BallState,
  type ColourName,
  type GravityClass,
  type Scene,
  type SizeClass,
  type WorldStates,
} from '../../world/index.ts';
import { continuationError, type ContinuationScore } from '../../world/score.ts';
import { trackClip, type TrackedClip } from '../../world/tracker.ts';
import { explain, type Explained } from '../lib/errors.ts';
import { rgbaToRgb, rgbToRgba, sliceFrames } from '../lib/frames.ts';
import type { EngineState, Run } from './engine.svelte.ts';

/** Gravity per class at 32x32, in px/frame², inside the ranges the model was trained on. */
export const GRAVITY_PX: Record<GravityClass, number> = { no: 0, weak: 0.08, strong: 0.28 };
export const GRAVITY_LABELS: Record<GravityClass, string> = { no: 'None', weak: 'Weak', strong: 'Strong' };
export { GRAVITY_CLASSES, MAX_BALLS, COLOUR_NAMES };

/** The context a continuation is given: the first two true frames. */
export const CONTEXT_FRAMES = 2;
const DEFAULT_SHAPE = { width: 32, height: 32, frames: 16, fps: 8 };

interface PresetBall {
  colour: ColourName;
  size: SizeClass;
  x: number;
  y: number;
  vx: number;
  vy: number;
}

export interface Preset {
  id: string;
  label: string;
  /** What it shows about the model, one line. */
  note: string;
  gravity: GravityClass;
  /** At 32x32; scaled to the model's size. */
  balls: PresetBall[];
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'falling',
    label: 'One ball falling',
    note: 'Free fall and a floor bounce: the easiest case, most models get the arc.',
    gravity: 'strong',
    balls: [{ colour: 'red', size: 'big', x: 10, y: 8, vx: 0.8, vy: 0 }],
  },
  {
    id: 'head-on',
    label: 'Head-on collision',
    note: 'Two balls swap velocities: watch for balls passing through or merging.',
    gravity: 'no',
    balls: [
      { colour: 'blue', size: 'small', x: 6, y: 16, vx: 1.8, vy: 0 },
      { colour: 'yellow', size: 'small', x: 26, y: 16, vx: -1.8, vy: 0 },
    ],
  },
  {
    id: 'three',
    label: 'Three balls, no gravity',
    note: 'Object permanence: does every ball keep its colour and stay in the clip?',
    gravity: 'no',
    balls: [
      { colour: 'red', size: 'small', x: 8, y: 8, vx: 1.0, vy: 0.7 },
      { colour: 'green', size: 'small', x: 24, y: 10, vx: -0.8, vy: 1.0 },
      { colour: 'magenta', size: 'big', x: 16, y: 24, vx: 0.5, vy: -0.9 },
    ],
  },
  {
    id: 'wall',
    label: 'Fast bounce off the wall',
    note: 'A fast ball reflects off the right wall: models often stop or smear it there.',
    gravity: 'no',
    balls: [{ colour: 'cyan', size: 'big', x: 18, y: 16, vx: 2.5, vy: 0.4 }],
  },
  {
    id: 'arc',
    label: 'Weak gravity arc',
    note: 'A thrown ball: the parabola is gentle, so errors show as straight lines.',
    gravity: 'weak',
    balls: [{ colour: 'white', size: 'small', x: 5, y: 24, vx: 1.3, vy: -1.4 }],
  },
];

export interface TruthResult {
  scene: Scene;
  states: WorldStates;
  frames: Frames;
  caption: string;
}

export interface ModelResult {
  run: Run;
  tracked: TrackedClip | null;
  score: ContinuationScore | null;
  problem: string | null;
}

export class WorldState {
  width = $state(DEFAULT_SHAPE.width);
  height = $state(DEFAULT_SHAPE.height);
  frames = $state(DEFAULT_SHAPE.frames);
  fps = $state(DEFAULT_SHAPE.fps);
  gravity = $state<GravityClass>('strong');
  balls = $state<BallState[]>([]);
  selected = $state<number | null>(null);
  presetId = $state<string | null>(null);
  truth = $state.raw<TruthResult | null>(null);
  model = $state.raw<ModelResult | null>(null);
  error = $state.raw<Explained | null>(null);

  readonly #engine: EngineState;

  constructor(engine: EngineState) {
    this.#engine = engine;
    this.applyPreset(PRESETS[0]!);
  }

  get scale(): number {
    return sceneScale(this.width, this.height);
  }

  get scene(): Scene {
    return {
      width: this.width,
      height: this.height,
      gravity: GRAVITY_PX[this.gravity] * this.scale,
      balls: $state.snapshot(this.balls),
    };
  }

  get caption(): string | null {
    return this.balls.length > 0 ? captionFor(this.scene) : null;
  }

  get unusedColours(): ColourName[] {
    return COLOUR_NAMES.filter((c) => !this.balls.some((b) => b.colour === c));
  }

  /** Adopts the frame size and length of a loaded model, rescaling the scene. */
  fitTo(shape: { width: number; height: number; frames: number; fps: number }): void {
    if (shape.width === this.width && shape.height === this.height && shape.frames === this.frames) return;
    const k = sceneScale(shape.width, shape.height) / this.scale;
    this.balls = this.balls.map((b) => ({
      ...b,
      x: b.x * k,
      y: b.y * k,
      vx: b.vx * k,
      vy: b.vy * k,
      radius: b.radius * k,
    }));
    Object.assign(this, { width: shape.width, height: shape.height, frames: shape.frames, fps: shape.fps });
    this.truth = null;
    this.model = null;
  }

  applyPreset(preset: Preset): void {
    const k = this.scale;
    this.gravity = preset.gravity;
    this.balls = preset.balls.map((b) => ({
      colour: b.colour,
      radius: RADIUS_PX[b.size] * k,
      x: b.x * k,
      y: b.y * k,
      vx: b.vx * k,
      vy: b.vy * k,
    }));
    this.selected = null;
    this.presetId = preset.id;
    this.truth = null;
    this.model = null;
  }

  /** Adds a ball at (x, y) in an unused colour; null when the scene is full. */
  addBall(x: number, y: number, colour: ColourName | null, size: SizeClass): number | null {
    if (this.balls.length >= MAX_BALLS) return null;
    const pick = colour && this.unusedColours.includes(colour) ? colour : this.unusedColours[0];
    if (!pick) return null;
    const radius = RADIUS_PX[size] * this.scale;
    this.balls.push({
      colour: pick,
      radius,
      x: this.#clampX(x, radius),
      y: this.#clampY(y, radius),
      vx: 0,
      vy: 0,
    });
    this.selected = this.balls.length - 1;
    this.edited();
    return this.selected;
  }

  removeBall(index: number): void {
    this.balls.splice(index, 1);
    this.selected = null;
    this.edited();
  }

  moveBall(index: number, x: number, y: number): void {
    const ball = this.balls[index];
    if (!ball) return;
    ball.x = this.#clampX(x, ball.radius);
    ball.y = this.#clampY(y, ball.radius);
    this.edited();
  }

  setVelocity(index: number, vx: number, vy: number): void {
    const ball = this.balls[index];
    if (!ball) return;
    const max = 3 * this.scale; // beyond the fast range the model never saw
    const speed = Math.hypot(vx, vy);
    const k = speed > max ? max / speed : 1;
    ball.vx = vx * k;
    ball.vy = vy * k;
    this.edited();
  }

  setSize(index: number, size: SizeClass): void {
    const ball = this.balls[index];
    if (!ball) return;
    ball.radius = RADIUS_PX[size] * this.scale;
    ball.x = this.#clampX(ball.x, ball.radius);
    ball.y = this.#clampY(ball.y, ball.radius);
    this.edited();
  }

  setColour(index: number, colour: ColourName): void {
    const ball = this.balls[index];
    if (!ball || this.balls.some((b, i) => i !== index && b.colour === colour)) return;
    ball.colour = colour;
    this.edited();
  }

  /** Any edit makes the last results stale. */
  edited(): void {
    this.presetId = null;
    this.truth = null;
    this.model = null;
  }

  runTruth(): TruthResult | null {
    this.error = null;
    if (this.balls.length === 0) {
      this.error = {
        name: 'EmptyScene',
        title: 'The scene is empty.',
        detail: '',
        next: 'Click the canvas to add a ball, or pick a preset.',
      };
      return null;
    }
    try {
      const scene = this.scene;
      const states = simulate(scene, this.frames);
      const rgb = renderClip(states, scene);
      const frames = rgbToRgba(rgb, this.frames, this.width, this.height);
      this.truth = { scene, states, frames, caption: captionFor(scene) };
      return this.truth;
    } catch (error) {
      this.error = explain(error);
      return null;
    }
  }

  /** The truth, then (when a model is loaded or loadable) the model's continuation of it. */
  async run(modelId: string | null, seed: number, steps: number, guidance: number): Promise<void> {
    const truth = this.runTruth();
    this.model = null;
    if (!truth || !modelId || !this.#engine.gpuOk) return;
    const run = this.#engine.run(
      {
        modelId,
        prompt: truth.caption,
        seed,
        steps,
        guidance,
        context: sliceFrames(truth.frames, 0, CONTEXT_FRAMES),
        preview: 'x0',
      },
      'world',
    );
    this.model = { run, tracked: null, score: null, problem: null };
    const clip = await run.done;
    if (this.model?.run !== run) return;
    if (!clip) {
      this.model = { run, tracked: null, score: null, problem: null };
      return;
    }
    this.model = { run, ...scoreContinuation(clip, truth) };
  }

  cancel(): void {
    if (this.model?.run.active) this.#engine.cancel(this.model.run);
  }

  #clampX(x: number, r: number): number {
    return Math.min(Math.max(x, r), this.width - r);
  }

  #clampY(y: number, r: number): number {
    return Math.min(Math.max(y, r), this.height - r);
  }
}

/** Tracks the model's clip and scores it against the truth; a mismatch is a sentence, not a throw. */
export function scoreContinuation(
  clip: Frames,
  truth: TruthResult,
): { tracked: TrackedClip | null; score: ContinuationScore | null; problem: string | null } {
  try {
    const tracked = trackClip(rgbaToRgb(clip), {
      width: clip.width,
      height: clip.height,
      frames: clip.frameCount,
    });
    if (clip.frameCount !== truth.states.length || clip.width !== truth.scene.width) {
      return {
        tracked,
        score: null,
        problem: `The model made ${clip.frameCount} frames of ${clip.width}x${clip.height}; the truth has ${truth.states.length} of ${truth.scene.width}x${truth.scene.height}, so they cannot be compared frame by frame.`,
      };
    }
    const score = continuationError(
      [tracked],
      [{ gravity: truth.scene.gravity, states: truth.states }],
      CONTEXT_FRAMES,
      clip,
    );
    return { tracked, score, problem: null };
  } catch (error) {
    return { tracked: null, score: null, problem: explain(error).detail };
  }
}

/** Parameters a simulated clip is stored under in the gallery. */
export function truthParams(caption: string): GenerationParams {
  return { modelId: 'physics', prompt: caption, seed: 0, steps: 0, guidance: 0, contextFrames: 0 };
}
