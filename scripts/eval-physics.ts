// Scores generated clips for physics: tracks the balls in every set a manifest lists, prints a
// table and writes bench/results/physics.json.
//   npx tsx scripts/eval-physics.ts [--manifest training/runs/eval/manifest.json]
//                                   [--out bench/results/physics.json]
// The manifest (written by training/eval_physics.py): { truth: DIR, context_frames, sets: [DIR] };
// every DIR is a world dataset (clips.u8 + meta.json), a set's meta.json with a "generated" block.
// The true clips are scored too, as a check of the scorer: ~100 %, ~100 %, ~0 px.

import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { isColourName, type BallState, type WorldStates } from '../src/world/index';
import {
  continuationError,
  objectPermanence,
  promptFidelity,
  promptedBy,
  type ContinuationScore,
  type MeanError,
  type Share,
  type Truth,
} from '../src/world/score';
import { DEFAULT_THRESHOLDS, trackClip, type TrackedClip } from '../src/world/tracker';

const FORMAT = 'tessera-world-dataset';
const VERSION = 1;

type Kind = 'truth' | 'reconstruction' | 'free' | 'continuation';

interface Generated {
  model: string;
  checkpoint: string | null;
  step: number | null;
  steps: number;
  guidance: number | null;
  kind: Kind;
}

interface WorldMeta {
  format: string;
  version: number;
  count: number;
  frames: number;
  height: number;
  width: number;
  channels: number;
  seed: number;
  captions: string[];
  scenes: { gravity: number; balls: { colour: string; radius: number }[] }[];
  states: [number, number, number, number][][][];
  generated?: Generated;
}

interface WorldSet {
  dir: string;
  meta: WorldMeta;
  clips: Uint8Array;
}

function readWorldSet(dir: string): WorldSet {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as WorldMeta;
  if (meta.format !== FORMAT || meta.version !== VERSION) {
    throw new Error(`${dir} is not a ${FORMAT} version ${VERSION} dataset`);
  }
  const bytes = meta.count * meta.frames * meta.height * meta.width * meta.channels;
  const path = join(dir, 'clips.u8');
  if (statSync(path).size !== bytes) throw new Error(`${path} is not ${bytes} bytes as meta.json says`);
  return { dir, meta, clips: new Uint8Array(readFileSync(path)) };
}

function truthsOf(meta: WorldMeta): Truth[] {
  return meta.scenes.map((scene, i) => {
    const states: WorldStates = meta.states[i]!.map((frame) =>
      frame.map(([x, y, vx, vy], b): BallState => {
        const { colour, radius } = scene.balls[b]!;
        if (!isColourName(colour)) throw new Error(`clip ${i} has unknown colour "${colour}"`);
        return { colour, radius, x, y, vx, vy };
      }),
    );
    return { gravity: scene.gravity, states };
  });
}

function trackSet(set: WorldSet): TrackedClip[] {
  const { count, frames, width, height } = set.meta;
  const clipBytes = frames * width * height * 3;
  return Array.from({ length: count }, (_, i) =>
    trackClip(set.clips.subarray(i * clipBytes, (i + 1) * clipBytes), { frames, width, height }),
  );
}

interface Counts {
  /** Frames from this one on are scored: the first the model made. */
  fromFrame: number;
  permanence: Share;
  fidelity: Share;
}

interface Row {
  model: string;
  checkpoint: string | null;
  step: number | null;
  steps: number;
  guidance: number | null;
  /** Clips from captions alone (truth and reconstructions count here too). */
  free: Counts | null;
  /** Clips from captions and the first context frames. */
  continuation: (Counts & { error: ContinuationScore }) | null;
}

interface SetScore {
  kind: Kind;
  free: Row['free'];
  continuation: Row['continuation'];
}

function scoreSet(set: WorldSet, truth: WorldSet, contextFrames: number): SetScore {
  const { meta } = set;
  const kind = meta.generated?.kind ?? 'truth';
  if (meta.count !== truth.meta.count || meta.captions.some((c, i) => c !== truth.meta.captions[i])) {
    throw new Error(`${set.dir} does not hold the clips of the eval set ${truth.dir}`);
  }
  const tracked = trackSet(set);
  const prompts = meta.captions.map(promptedBy);
  const counts = (fromFrame: number): Counts => ({
    fromFrame,
    permanence: objectPermanence(prompts, tracked, fromFrame),
    fidelity: promptFidelity(prompts, tracked, fromFrame),
  });
  const error = (): ContinuationScore =>
    continuationError(tracked, truthsOf(truth.meta), contextFrames, {
      width: meta.width,
      height: meta.height,
    });
  // Truth and reconstructions are whole clips: scored as free, and as continuations of themselves
  // on the same frames a continuation is scored on.
  return {
    kind,
    free: kind === 'continuation' ? null : counts(0),
    continuation: kind === 'free' ? null : { ...counts(contextFrames), error: error() },
  };
}

/** One row per model and step count: its free set and its continuation set side by side. */
function mergeRows(scored: { generated: Generated; result: SetScore }[]): Row[] {
  const rows = new Map<string, Row>();
  for (const { generated, result } of scored) {
    const key = `${generated.model}:${generated.steps}`;
    const row = rows.get(key) ?? {
      model: generated.model,
      checkpoint: generated.checkpoint,
      step: generated.step,
      steps: generated.steps,
      guidance: generated.guidance,
      free: null,
      continuation: null,
    };
    row.free ??= result.free;
    row.continuation ??= result.continuation;
    rows.set(key, row);
  }
  return [...rows.values()];
}

const percent = (share: Share | undefined): string =>
  share === undefined ? '-' : `${(100 * share.share).toFixed(1)}`;
const px = (error: MeanError | undefined): string =>
  error?.meanPx === null || error === undefined ? '-' : error.meanPx.toFixed(2);
const pair = (all: MeanError | undefined, after: MeanError | undefined): string =>
  `${px(all)} / ${px(after)}`;

function printTable(rows: readonly Row[]): void {
  const header = [
    'model',
    'steps',
    'cfg',
    'permanence %',
    'fidelity %',
    'cont. permanence %',
    'cont. px (all / after bounce)',
    'missing %',
    'copy-last px',
    'const-velocity px',
  ];
  const lines = rows.map((row) => {
    const error = row.continuation?.error;
    const missing = error
      ? `${((100 * error.missingBallFrames) / error.model.all.ballFrames).toFixed(1)}`
      : '-';
    return [
      row.model,
      String(row.steps),
      row.guidance === null ? '-' : String(row.guidance),
      percent(row.free?.permanence),
      percent(row.free?.fidelity),
      percent(row.continuation?.permanence),
      pair(error?.model.all, error?.model.afterBounce),
      missing,
      pair(error?.copyLast.all, error?.copyLast.afterBounce),
      pair(error?.constantVelocity.all, error?.constantVelocity.afterBounce),
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((line) => line[c]!.length)));
  const format = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const line of lines) console.log(format(line));
}

function main(): void {
  const { values } = parseArgs({
    options: {
      manifest: { type: 'string', default: 'training/runs/eval/manifest.json' },
      out: { type: 'string', default: 'bench/results/physics.json' },
    },
    strict: true,
  });
  const manifest = JSON.parse(readFileSync(values.manifest, 'utf8')) as {
    truth: string;
    context_frames: number;
    sets: string[];
  };
  const truth = readWorldSet(manifest.truth);
  const contextFrames = manifest.context_frames;
  const truthGenerated: Generated = {
    model: 'truth',
    checkpoint: null,
    step: null,
    steps: 0,
    guidance: null,
    kind: 'truth',
  };
  const scored = [{ generated: truthGenerated, result: scoreSet(truth, truth, contextFrames) }];
  for (const dir of manifest.sets) {
    const set = readWorldSet(dir);
    if (set.meta.generated === undefined) throw new Error(`${dir}/meta.json has no "generated" block`);
    scored.push({ generated: set.meta.generated, result: scoreSet(set, truth, contextFrames) });
  }
  const rows = mergeRows(scored);
  printTable(rows);

  const { seed, count, frames, width, height } = truth.meta;
  const report = {
    evalSet: { dir: manifest.truth, seed, count, frames, width, height },
    contextFrames,
    tracker: DEFAULT_THRESHOLDS,
    definitions: {
      permanence: 'share of clips whose tracked ball count equals the prompted count in every scored frame',
      fidelity:
        "share of clips whose tracked colours (a multiset) equal the caption's on a strict majority of scored frames",
      continuationPx:
        'mean centroid distance to the true ball of the same colour over frames contextFrames..end, a missing ball costing missingPenaltyPx',
      afterBounce: "ball-frames from that ball's first wall or ball collision on",
      baselines:
        'copyLast: the last given frame held; constantVelocity: extrapolated from the last two given frames (true states)',
    },
    rows,
  };
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${values.out}`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
