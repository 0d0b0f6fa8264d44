// The physics world: scenes, true physics, pixels and captions, shared by training data and World Lab.

export { Rng } from './rng';
export { BACKGROUND, COLOURS, COLOUR_NAMES, isColourName, type ColourName } from './palette';
export type { BallState, FrameSize, Scene, WorldStates } from './types';
export {
  GRAVITY_CLASSES,
  GRAVITY_RANGE_PX,
  MAX_BALLS,
  RADIUS_PX,
  SIZE_CLASSES,
  SPEED_CLASSES,
  SPEED_RANGE_PX,
  gravityClassOf,
  sceneScale,
  sizeClassOf,
  speedClassOf,
  type GravityClass,
  type SizeClass,
  type SpeedClass,
} from './classes';
export {
  DEFAULT_SUBSTEPS,
  collide,
  kineticEnergy,
  momentum,
  simulate,
  validateScene,
  type SimulateOptions,
} from './physics';
export { CHANNELS, frameBytes, renderClip, renderClipInto, renderFrame, renderFrameInto } from './render';
export {
  VOCABULARY,
  captionFor,
  describeScene,
  parseCaption,
  tokenize,
  writeCaption,
  type BallDescription,
  type SceneDescription,
} from './caption';
export { sampleDescription, sampleScene, type SceneOptions } from './scene';
export { datasetClip, type DatasetClip, type DatasetShape } from './dataset';
