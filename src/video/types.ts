// The shapes that cross the video module's boundary.
import type { GenerationParams } from './metadata.ts';

export const CONTAINERS = ['mp4', 'webm'] as const;
export type Container = (typeof CONTAINERS)[number];

/** Mediabunny's names for the codecs Tessera exports. */
export const EXPORT_CODECS = ['avc', 'vp9', 'av1', 'vp8'] as const;
export type ExportCodec = (typeof EXPORT_CODECS)[number];

export const SCALE_FILTERS = ['nearest', 'smooth'] as const;
export type ScaleFilter = (typeof SCALE_FILTERS)[number];

/** A generated clip: RGBA bytes, frame-major, `frames.length = frameCount * height * width * 4`. */
export interface RgbaClip {
  frames: Uint8ClampedArray | Uint8Array; // (frameCount, height, width, 4)
  frameCount: number;
  width: number;
  height: number;
  fps: number;
}

export interface PixelSize {
  width: number;
  height: number;
}

/** An exact export size in pixels, or a scale factor applied to the clip's own size. */
export type ExportSize = PixelSize | number;

export interface EncodeOptions {
  container: Container;
  /** Omitted: the first codec in the container's preference order that really encodes here. */
  codec?: ExportCodec;
  /** Omitted: the smallest whole-number scale that makes the longer side at least 256 px. */
  size?: ExportSize;
  /** How frames are upscaled; 'nearest' keeps pixel art crisp. Default 'nearest'. */
  filter?: ScaleFilter;
  /** Target bitrate; default is about one bit per pixel per frame. */
  bitsPerSecond?: number;
  /** Written into the file's metadata so the clip can be remixed from the file alone. */
  params?: GenerationParams;
  signal?: AbortSignal;
}

export interface EncodeProgress {
  framesEncoded: number;
  totalFrames: number;
}

export interface EncodedClip {
  blob: Blob;
  /** Full MIME type with the codec string, e.g. `video/mp4; codecs="avc1.42e01e"`. */
  mimeType: string;
  codec: ExportCodec;
  container: Container;
  width: number;
  height: number;
  frames: number;
  durationSeconds: number;
}
