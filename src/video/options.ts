// Clip and export options are checked here, once, before any encoder exists.
import { InvalidClipError, InvalidExportOptionsError } from './errors.ts';
import { encodeParamsComment } from './metadata.ts';
import {
  CONTAINERS,
  EXPORT_CODECS,
  SCALE_FILTERS,
  type Container,
  type EncodeOptions,
  type ExportCodec,
  type ExportSize,
  type PixelSize,
  type RgbaClip,
  type ScaleFilter,
} from './types.ts';

/** Largest export side: H.264 level 6.2 and VP9 level 6 decoders all take 4096 px. */
export const MAX_EXPORT_SIDE_PX = 4096;
/** Largest clip side accepted as input; generated clips are far smaller. */
export const MAX_CLIP_SIDE_PX = 4096;
export const MAX_FPS = 120;
export const MAX_FRAMES = 10_000;
/** The default export makes the longer side at least this long: a 32 px clip becomes 256 px. */
export const DEFAULT_MIN_EXPORT_SIDE_PX = 256;
export const MIN_BITS_PER_SECOND = 50_000;
export const MAX_BITS_PER_SECOND = 200_000_000;

/** Which codecs each container may hold, in the order `codec: undefined` tries them. */
export const CODEC_PREFERENCE: Record<Container, readonly ExportCodec[]> = {
  mp4: ['avc', 'vp9', 'av1'], // H.264 plays everywhere; VP9 and AV1 in MP4 are for browsers without it
  webm: ['vp9', 'vp8', 'av1'],
};

export interface ExportPlan {
  container: Container;
  codecs: readonly ExportCodec[]; // candidates in order; one when the caller named a codec
  width: number;
  height: number;
  filter: ScaleFilter;
  bitsPerSecond: number;
  comment: string | null; // the params as a metadata tag
  signal: AbortSignal | null;
}

/** Throws InvalidClipError unless `clip` is a well-formed RGBA clip. */
export function validateClip(clip: RgbaClip): void {
  if (!clip || typeof clip !== 'object') throw new InvalidClipError('No clip was given.');
  const { frames, frameCount, width, height, fps } = clip;
  if (!(frames instanceof Uint8Array || frames instanceof Uint8ClampedArray)) {
    throw new InvalidClipError('clip.frames must be a Uint8Array or Uint8ClampedArray of RGBA bytes.');
  }
  if (!Number.isInteger(frameCount) || frameCount < 1) {
    throw new InvalidClipError(`The clip has ${frameCount} frames; at least one is needed to export.`);
  }
  if (frameCount > MAX_FRAMES) {
    throw new InvalidClipError(`The clip has ${frameCount} frames; at most ${MAX_FRAMES} can be exported.`);
  }
  for (const [name, side] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(side) || side < 1 || side > MAX_CLIP_SIDE_PX) {
      throw new InvalidClipError(
        `clip.${name} is ${side}; it must be a whole number from 1 to ${MAX_CLIP_SIDE_PX}.`,
      );
    }
  }
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0 || fps > MAX_FPS) {
    throw new InvalidClipError(
      `clip.fps is ${fps}; it must be above 0 and at most ${MAX_FPS} frames per second.`,
    );
  }
  const expectedBytes = frameCount * height * width * 4;
  if (frames.length !== expectedBytes) {
    throw new InvalidClipError(
      `clip.frames holds ${frames.length} bytes, but ${frameCount} RGBA frames of ${width}x${height} ` +
        `need ${expectedBytes}.`,
    );
  }
}

/**
 * The even export size for a clip. Odd sides are rounded UP to the next even number and the
 * picture is stretched to fill them (at most one pixel), not padded: 4:2:0 chroma needs even
 * sides, and a padded edge would be a coloured bar that chroma subsampling bleeds into the picture.
 */
export function exportSize(clip: PixelSize, size: ExportSize | undefined): PixelSize {
  let width: number;
  let height: number;
  if (size === undefined) {
    const scale = Math.max(1, Math.ceil(DEFAULT_MIN_EXPORT_SIDE_PX / Math.max(clip.width, clip.height)));
    width = clip.width * scale;
    height = clip.height * scale;
    if (Math.max(width, height) > MAX_EXPORT_SIDE_PX) ({ width, height } = clip);
  } else if (typeof size === 'number') {
    if (!Number.isFinite(size) || size <= 0) {
      throw new InvalidExportOptionsError(`size is the scale ${size}; a scale must be a positive number.`);
    }
    width = Math.max(1, Math.round(clip.width * size));
    height = Math.max(1, Math.round(clip.height * size));
  } else if (size && typeof size === 'object') {
    ({ width, height } = size);
    for (const side of [width, height]) {
      if (!Number.isInteger(side) || side < 1) {
        throw new InvalidExportOptionsError(`size ${width}x${height} must be whole, positive pixel counts.`);
      }
    }
  } else {
    throw new InvalidExportOptionsError('size must be {width, height} in pixels or a scale factor.');
  }
  const even = { width: roundUpToEven(width), height: roundUpToEven(height) };
  if (Math.max(even.width, even.height) > MAX_EXPORT_SIDE_PX) {
    throw new InvalidExportOptionsError(
      `The export size ${even.width}x${even.height} is too large: at most ${MAX_EXPORT_SIDE_PX} px a side.`,
    );
  }
  return even;
}

export function roundUpToEven(side: number): number {
  return side + (side % 2);
}

/** Every check for `encodeClip`, done once; the returned plan is trusted from here on. */
export function planExport(clip: RgbaClip, options: EncodeOptions): ExportPlan {
  validateClip(clip);
  if (!options || typeof options !== 'object')
    throw new InvalidExportOptionsError('No export options were given.');
  const { container, codec, filter = 'nearest', bitsPerSecond, params, signal } = options;
  if (!CONTAINERS.includes(container)) {
    throw new InvalidExportOptionsError(`container '${container}' is not one of ${CONTAINERS.join(', ')}.`);
  }
  const allowed = CODEC_PREFERENCE[container];
  if (codec !== undefined) {
    if (!EXPORT_CODECS.includes(codec)) {
      throw new InvalidExportOptionsError(`codec '${codec}' is not one of ${EXPORT_CODECS.join(', ')}.`);
    }
    if (!allowed.includes(codec)) {
      throw new InvalidExportOptionsError(
        `${container.toUpperCase()} cannot hold ${codec}; use one of ${allowed.join(', ')}.`,
      );
    }
  }
  if (!SCALE_FILTERS.includes(filter)) {
    throw new InvalidExportOptionsError(`filter '${filter}' is not one of ${SCALE_FILTERS.join(', ')}.`);
  }
  const { width, height } = exportSize(clip, options.size);
  if (
    bitsPerSecond !== undefined &&
    !(
      Number.isFinite(bitsPerSecond) &&
      bitsPerSecond >= MIN_BITS_PER_SECOND &&
      bitsPerSecond <= MAX_BITS_PER_SECOND
    )
  ) {
    throw new InvalidExportOptionsError(
      `bitsPerSecond is ${bitsPerSecond}; it must be from ${MIN_BITS_PER_SECOND} to ${MAX_BITS_PER_SECOND}.`,
    );
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidExportOptionsError('signal must be an AbortSignal.');
  }
  return {
    container,
    codecs: codec ? [codec] : allowed,
    width,
    height,
    filter,
    bitsPerSecond: bitsPerSecond ?? defaultBitsPerSecond(width, height, clip.fps),
    comment: params === undefined ? null : encodeParamsComment(params),
    signal: signal ?? null,
  };
}

/** About one bit per pixel per frame: upscaled pixel art has hard edges that starve at less. */
export function defaultBitsPerSecond(width: number, height: number, fps: number): number {
  const bits = Math.round(width * height * fps);
  return Math.min(MAX_BITS_PER_SECOND, Math.max(1_000_000, bits));
}

/** Largest side of a GIF or frame strip; browsers refuse canvases much beyond this. */
export const MAX_IMAGE_SIDE_PX = 16_384;

/** Checks a whole-number nearest-neighbour scale for images; default as for video exports. */
export function imageScale(clip: PixelSize, scale: number | undefined, across = 1): number {
  const chosen =
    scale ?? Math.max(1, Math.ceil(DEFAULT_MIN_EXPORT_SIDE_PX / Math.max(clip.width, clip.height)));
  if (!Number.isInteger(chosen) || chosen < 1) {
    throw new InvalidExportOptionsError(`scale is ${scale}; images scale by a whole number of at least 1.`);
  }
  const longest = Math.max(clip.width * chosen * across, clip.height * chosen);
  if (longest > MAX_IMAGE_SIDE_PX) {
    throw new InvalidExportOptionsError(
      `At scale ${chosen} the image would be ${longest} px long; at most ${MAX_IMAGE_SIDE_PX} px are allowed.`,
    );
  }
  return chosen;
}
