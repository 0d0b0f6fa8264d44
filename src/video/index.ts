// The video module's public face: export clips (MP4, WebM, GIF, PNG strip) and read files back.
export { encodeClip, encodableCodecs } from './encode.ts';
export { exportGif, type GifOptions, type ExportedImage } from './gif.ts';
export { exportFrameStrip, type StripOptions } from './strip.ts';
export {
  readContextFrames,
  DEFAULT_CONTEXT_RULE,
  type ContextRule,
  type ContextTarget,
  type ContextFrames,
} from './decode.ts';
export { readParams } from './input.ts';
export { canReallyEncode, forgetProbes } from './codecs.ts';
export { CODEC_PREFERENCE, MAX_EXPORT_SIDE_PX, exportSize } from './options.ts';
export type { GenerationParams } from './metadata.ts';
export * from './errors.ts';
export * from './types.ts';
