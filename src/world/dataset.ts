// One dataset clip from (seed, index): each clip has its own random stream, so any clip can be
// rebuilt alone (World Lab, evaluation) without replaying the clips before it.

import { captionFor } from './caption';
import { simulate } from './physics';
import { Rng } from './rng';
import { sampleScene } from './scene';
import type { Scene, WorldStates } from './types';

export interface DatasetShape {
  frames: number;
  width: number;
  height: number;
}

export interface DatasetClip {
  scene: Scene;
  caption: string;
  states: WorldStates;
}

export function datasetClip(seed: number, index: number, shape: DatasetShape): DatasetClip {
  const scene = sampleScene(new Rng(seed, index), { width: shape.width, height: shape.height });
  return { scene, caption: captionFor(scene), states: simulate(scene, shape.frames) };
}
