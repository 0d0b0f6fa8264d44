// Writes a dataset of physics-world clips for training.
//   npx tsx scripts/world-dataset.ts --count 20000 --seed 1 --out data/world [--frames 16 --size 32]
//
// DIR/clips.u8   raw uint8, (count, frames, size, size, 3): clip-major, row-major RGB.
// DIR/meta.json  { format: "tessera-world-dataset", version: 1, count, frames, height, width,
//                  channels: 3, seed, substeps, vocabulary, captions[count],
//                  scenes[count]: { gravity, balls: [{ colour, radius, x, y, vx, vy }] },
//                  states[count][frames][ball]: [x, y, vx, vy] }
// Numbers in meta.json are rounded to 1e-3 px. States stay in meta.json: about 1 kB per clip
// (~25 MB for 20,000), small enough that a separate binary file would only add a format.
// clips.u8 is written first and meta.json last, so a half-written dataset has no meta.json.
// Clip i is datasetClip(seed, i, ...) from src/world: it can be rebuilt alone.

import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_SUBSTEPS,
  VOCABULARY,
  datasetClip,
  frameBytes,
  renderClipInto,
  type Scene,
  type WorldStates,
} from '../src/world/index';

const FORMAT = 'tessera-world-dataset';
const VERSION = 1;
const CLIPS_PER_WRITE = 256;

function positiveInteger(name: string, text: string | undefined, fallback?: number): number {
  if (text === undefined && fallback !== undefined) return fallback;
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < 0) {
    throw new Error(`--${name} needs a non-negative integer, got ${text ?? 'nothing'}`);
  }
  return value;
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

function sceneRecord(scene: Scene): object {
  return {
    gravity: round(scene.gravity),
    balls: scene.balls.map((ball) => ({
      colour: ball.colour,
      radius: round(ball.radius),
      x: round(ball.x),
      y: round(ball.y),
      vx: round(ball.vx),
      vy: round(ball.vy),
    })),
  };
}

function statesRecord(states: WorldStates): string {
  return JSON.stringify(
    states.map((balls) => balls.map((b) => [round(b.x), round(b.y), round(b.vx), round(b.vy)])),
  );
}

function main(): void {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      frames: { type: 'string' },
      size: { type: 'string' },
    },
    strict: true,
  });
  const count = positiveInteger('count', values.count);
  const seed = positiveInteger('seed', values.seed);
  const frames = positiveInteger('frames', values.frames, 16);
  const size = positiveInteger('size', values.size, 32);
  if (seed > 0xffffffff) throw new Error(`--seed must fit in 32 bits, got ${seed}`);
  if (frames < 1 || size < 8) throw new Error('--frames must be >= 1 and --size >= 8');
  if (values.out === undefined) throw new Error('--out DIR is required');
  const dir = values.out;
  const shape = { frames, width: size, height: size };
  const clipBytes = frames * frameBytes(shape);

  const started = performance.now();
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, 'meta.json'), { force: true });
  const captions: string[] = [];
  const scenes: object[] = [];
  const states: string[] = [];
  const buffer = new Uint8Array(CLIPS_PER_WRITE * clipBytes);
  const clipsFile = openSync(join(dir, 'clips.u8'), 'w');
  try {
    for (let first = 0; first < count; first += CLIPS_PER_WRITE) {
      const inBatch = Math.min(CLIPS_PER_WRITE, count - first);
      for (let k = 0; k < inBatch; k++) {
        const clip = datasetClip(seed, first + k, shape);
        renderClipInto(buffer, k * clipBytes, clip.states, shape);
        captions.push(clip.caption);
        scenes.push(sceneRecord(clip.scene));
        states.push(statesRecord(clip.states));
      }
      writeSync(clipsFile, buffer, 0, inBatch * clipBytes);
    }
  } finally {
    closeSync(clipsFile);
  }

  const head = {
    format: FORMAT,
    version: VERSION,
    count,
    frames,
    height: size,
    width: size,
    channels: 3,
    seed,
    substeps: DEFAULT_SUBSTEPS,
    vocabulary: VOCABULARY,
    captions,
    scenes,
  };
  // Written piece by piece: one string for every clip's states would be needlessly large.
  const metaFile = openSync(join(dir, 'meta.json'), 'w');
  try {
    writeSync(metaFile, `${JSON.stringify(head).slice(0, -1)},"states":[`);
    states.forEach((record, index) => writeSync(metaFile, index === 0 ? record : `,${record}`));
    writeSync(metaFile, ']}\n');
  } finally {
    closeSync(metaFile);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`wrote ${count} clips of ${frames}x${size}x${size} to ${dir} in ${seconds.toFixed(1)} s`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
