// readContextFrames: a user's video or image -> the few RGBA frames a world-model continuation
// is conditioned on, cropped and shrunk to the model's size, plus a sentence saying how.
import {
  EncodedPacketSink,
  VideoSampleSink,
  type Input,
  type InputVideoTrack,
  type VideoSample,
} from 'mediabunny';
import { CorruptInputError, NoFramesError, UnrecognisedInputError, VideoInputError } from './errors.ts';
import { openMediaInput, openVideoTrack, sniffImage } from './input.ts';
import { MAX_CLIP_SIDE_PX } from './options.ts';
import { resizeAreaAverage, type RgbaBytes } from './scale.ts';
import type { PixelSize } from './types.ts';

export const CONTEXT_FITS = ['centre-crop', 'stretch'] as const;
export const CONTEXT_TAKES = ['last', 'first'] as const;

/** How a source is fitted to the model: crop to the model's aspect, or squash; which frames. */
export interface ContextRule {
  fit: (typeof CONTEXT_FITS)[number];
  take: (typeof CONTEXT_TAKES)[number];
}

export const DEFAULT_CONTEXT_RULE: ContextRule = { fit: 'centre-crop', take: 'last' };

export interface ContextTarget extends PixelSize {
  frames: number;
}

export interface ContextFrames {
  frames: Uint8ClampedArray; // (frameCount, height, width, 4)
  frameCount: number; // at most target.frames; fewer when the source is shorter
  width: number;
  height: number;
  /** What was done, for the UI, e.g. "centre-cropped 1280x720 to 720x720, resized to 32x32 ...". */
  rule: string;
}

interface Rect extends PixelSize {
  x: number;
  y: number;
}

/**
 * Reads MP4/WebM/MOV/MKV (every frame decodable here) or PNG/JPEG/WebP/GIF (one frame).
 * Throws UnrecognisedInputError, CorruptInputError, NoVideoTrackError, NoFramesError or
 * UnsupportedInputCodecError.
 */
export async function readContextFrames(
  file: Blob,
  target: ContextTarget,
  rule: ContextRule = DEFAULT_CONTEXT_RULE,
): Promise<ContextFrames> {
  validateTarget(target, rule);
  const input = await openMediaInput(file);
  if (!input) return readImage(file, target, rule);
  try {
    return await readVideo(input, target, rule);
  } finally {
    input.dispose();
  }
}

function validateTarget(target: ContextTarget, rule: ContextRule): void {
  const sides = [target?.width, target?.height];
  if (!sides.every((side) => Number.isInteger(side) && side >= 1 && side <= MAX_CLIP_SIDE_PX)) {
    throw new RangeError(
      `target size ${sides.join('x')} must be whole numbers from 1 to ${MAX_CLIP_SIDE_PX}.`,
    );
  }
  if (!Number.isInteger(target.frames) || target.frames < 1) {
    throw new RangeError(`target.frames is ${target.frames}; at least one frame is needed.`);
  }
  if (!CONTEXT_FITS.includes(rule?.fit) || !CONTEXT_TAKES.includes(rule?.take)) {
    throw new RangeError(`rule must be {fit: ${CONTEXT_FITS.join('|')}, take: ${CONTEXT_TAKES.join('|')}}.`);
  }
}

async function readImage(file: Blob, target: ContextTarget, rule: ContextRule): Promise<ContextFrames> {
  const kind = await sniffImage(file);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (error) {
    if (kind) throw new CorruptInputError(error);
    throw new UnrecognisedInputError(file.type);
  }
  try {
    const pixels = drawToRgba(bitmap, bitmap.width, bitmap.height);
    const fitted = fitFrame(pixels, { width: bitmap.width, height: bitmap.height }, target, rule.fit);
    return {
      frames: fitted.rgba,
      frameCount: 1,
      width: target.width,
      height: target.height,
      rule: `${fitted.rule}, an image: 1 frame`,
    };
  } finally {
    bitmap.close();
  }
}

async function readVideo(input: Input, target: ContextTarget, rule: ContextRule): Promise<ContextFrames> {
  const { track } = await openVideoTrack(input);
  const timestamps = await presentationTimestamps(track);
  if (timestamps.length === 0) throw new NoFramesError();
  const count = Math.min(target.frames, timestamps.length);
  const chosen = rule.take === 'last' ? timestamps.slice(-count) : timestamps.slice(0, count);

  const frameBytes = target.width * target.height * 4;
  const frames = new Uint8ClampedArray(count * frameBytes);
  let fittedRule = '';
  let decoded = 0;
  const sink = new VideoSampleSink(track);
  try {
    for await (const sample of sink.samplesAtTimestamps(chosen)) {
      if (!sample) continue;
      try {
        const size = { width: sample.displayWidth, height: sample.displayHeight };
        const fitted = fitFrame(drawToRgba(sample, size.width, size.height), size, target, rule.fit);
        frames.set(fitted.rgba, decoded * frameBytes);
        fittedRule = fitted.rule;
        decoded++;
      } finally {
        sample.close();
      }
    }
  } catch (error) {
    if (error instanceof VideoInputError) throw error;
    throw new CorruptInputError(error);
  }
  if (decoded === 0) throw new CorruptInputError('none of its frames could be decoded');
  const took = `took the ${rule.take} ${decoded} of ${timestamps.length} frames`;
  return {
    frames: decoded === count ? frames : frames.slice(0, decoded * frameBytes),
    frameCount: decoded,
    width: target.width,
    height: target.height,
    rule: `${fittedRule}, ${took}`,
  };
}

/** Every frame's timestamp in presentation order, read from packet headers without decoding. */
async function presentationTimestamps(track: InputVideoTrack): Promise<number[]> {
  const timestamps: number[] = [];
  try {
    for await (const packet of new EncodedPacketSink(track).packets(undefined, undefined, {
      metadataOnly: true,
    })) {
      timestamps.push(packet.timestamp);
    }
  } catch (error) {
    throw new CorruptInputError(error);
  }
  return timestamps.sort((a, b) => a - b);
}

/** Rasterises a decoded frame or bitmap at its display size (rotation applied) into RGBA. */
function drawToRgba(source: VideoSample | ImageBitmap, width: number, height: number): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new VideoInputError('This browser gave no 2D canvas to read frames with.');
  if (source instanceof ImageBitmap) context.drawImage(source, 0, 0);
  else source.draw(context, 0, 0, width, height);
  return context.getImageData(0, 0, width, height).data;
}

function fitFrame(
  rgba: RgbaBytes,
  source: PixelSize,
  target: PixelSize,
  fit: ContextRule['fit'],
): { rgba: Uint8ClampedArray; rule: string } {
  const crop = fit === 'centre-crop' ? centreCrop(source, target) : { x: 0, y: 0, ...source };
  const cropped =
    crop.width === source.width && crop.height === source.height ? rgba : cropRgba(rgba, source, crop);
  const sizeText = (s: PixelSize) => `${s.width}x${s.height}`;
  const sameSize = crop.width === target.width && crop.height === target.height;
  const resized = sameSize ? Uint8ClampedArray.from(cropped) : resizeAreaAverage(cropped, crop, target);
  const steps: string[] = [];
  if (cropped !== rgba) steps.push(`centre-cropped ${sizeText(source)} to ${sizeText(crop)}`);
  if (!sameSize) {
    const verb =
      fit === 'stretch' && source.width * target.height !== source.height * target.width
        ? 'stretched'
        : 'resized';
    steps.push(
      `${verb} ${cropped === rgba ? `${sizeText(source)} ` : ''}to ${sizeText(target)} (area average)`,
    );
  }
  if (steps.length === 0) steps.push(`kept ${sizeText(source)} as it was`);
  return { rgba: resized, rule: steps.join(', ') };
}

/** The largest centred rectangle with the target's aspect ratio. */
export function centreCrop(source: PixelSize, target: PixelSize): Rect {
  const width = Math.min(source.width, Math.round((source.height * target.width) / target.height));
  const height = Math.min(source.height, Math.round((source.width * target.height) / target.width));
  return {
    x: Math.floor((source.width - width) / 2),
    y: Math.floor((source.height - height) / 2),
    width,
    height,
  };
}

function cropRgba(rgba: RgbaBytes, source: PixelSize, crop: Rect): Uint8ClampedArray {
  const out = new Uint8ClampedArray(crop.width * crop.height * 4);
  for (let row = 0; row < crop.height; row++) {
    const start = ((crop.y + row) * source.width + crop.x) * 4;
    out.set(rgba.subarray(start, start + crop.width * 4), row * crop.width * 4);
  }
  return out;
}
