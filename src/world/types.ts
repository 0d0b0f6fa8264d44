// The world's data, plain JSON all the way: units are pixels of the rendered frame
// (x right, y down, origin at the top-left corner), px per frame, px per frame².

import type { ColourName } from './palette';

export interface BallState {
  colour: ColourName;
  radius: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
}

export interface Scene {
  width: number;
  height: number;
  /** Downward acceleration in px/frame²; 0 for none. */
  gravity: number;
  balls: BallState[];
}

/** Ball states of one clip: `states[frame][ball]`, frame 0 is the scene itself. */
export type WorldStates = BallState[][];

export interface FrameSize {
  width: number;
  height: number;
}
