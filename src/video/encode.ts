// encodeClip: RGBA clip -> upscaled frames -> WebCodecs VideoEncoder -> mediabunny muxer -> Blob.
// We drive the VideoEncoder ourselves (not mediabunny's VideoSampleSource) to own back-pressure,
// the probe, and closing on every path. Works on the main thread and in a worker.
import {
  BufferTarget,
  EncodedPacket,
  EncodedVideoPacketSource,
  Mp4OutputFormat,
  Output,
  WebMOutputFormat,
  type MetadataTags,
} from 'mediabunny';
import { canReallyEncode, codecStrings, encoderConfig, webCodecsAvailable } from './codecs.ts';
import { EncoderFailedError, NoEncodableCodecError, VideoExportError, abortReason } from './errors.ts';
import { decodeParamsComment } from './metadata.ts';
import { CODEC_PREFERENCE, defaultBitsPerSecond, planExport, type ExportPlan } from './options.ts';
import { scaleFrame } from './scale.ts';
import type {
  Container,
  EncodeOptions,
  EncodeProgress,
  EncodedClip,
  ExportCodec,
  PixelSize,
  RgbaClip,
} from './types.ts';

/** Frames allowed to wait inside the encoder before we stop feeding it. */
const MAX_ENCODE_QUEUE = 4;
/** A key frame every this many seconds, so players can seek in longer clips. */
const KEY_FRAME_INTERVAL_SECONDS = 2;

interface ChosenEncoder {
  codec: ExportCodec;
  config: VideoEncoderConfig;
}

/** Picks the first candidate codec string that really encodes at the plan's size. */
export async function chooseEncoder(plan: ExportPlan, fps: number): Promise<ChosenEncoder> {
  const size = { width: plan.width, height: plan.height };
  const tried: string[] = [];
  for (const codec of plan.codecs) {
    for (const codecString of codecStrings(codec, size, fps)) {
      const config = encoderConfig(codecString, size, fps, plan.bitsPerSecond);
      tried.push(codecString);
      if (await canReallyEncode(config)) return { codec, config };
      if (plan.signal?.aborted) throw abortReason(plan.signal);
    }
  }
  if (!webCodecsAvailable()) {
    throw new VideoExportError(
      'This browser has no WebCodecs VideoEncoder, so it cannot export video. Use a current Chrome, ' +
        'Edge or Safari, or export a GIF instead.',
    );
  }
  throw new NoEncodableCodecError(plan.container, tried, plan.width, plan.height);
}

/** The codecs `container` may hold that really encode at `size` here, best first (for a codec menu). */
export async function encodableCodecs(
  container: Container,
  size: PixelSize,
  fps = 8,
): Promise<ExportCodec[]> {
  const found: ExportCodec[] = [];
  for (const codec of CODEC_PREFERENCE[container]) {
    for (const codecString of codecStrings(codec, size, fps)) {
      const config = encoderConfig(
        codecString,
        size,
        fps,
        defaultBitsPerSecond(size.width, size.height, fps),
      );
      if (await canReallyEncode(config)) {
        found.push(codec);
        break;
      }
    }
  }
  return found;
}

/** Encodes `clip` into an MP4 or WebM file. Rejects with a VideoExportError or the abort reason. */
export async function encodeClip(
  clip: RgbaClip,
  options: EncodeOptions,
  onProgress?: (progress: EncodeProgress) => void,
): Promise<EncodedClip> {
  const plan = planExport(clip, options);
  if (plan.signal?.aborted) throw abortReason(plan.signal);
  const chosen = await chooseEncoder(plan, clip.fps);
  const blob = await encodeWith(clip, plan, chosen, onProgress);
  return {
    blob,
    mimeType: blob.type,
    codec: chosen.codec,
    container: plan.container,
    width: plan.width,
    height: plan.height,
    frames: clip.frameCount,
    durationSeconds: clip.frameCount / clip.fps,
  };
}

function metadataTags(comment: string): MetadataTags {
  const params = decodeParamsComment(comment);
  return {
    title: 'Tessera clip',
    comment,
    ...(params?.prompt ? { description: params.prompt } : {}),
  };
}

async function encodeWith(
  clip: RgbaClip,
  plan: ExportPlan,
  { codec, config }: ChosenEncoder,
  onProgress: ((progress: EncodeProgress) => void) | undefined,
): Promise<Blob> {
  const target = new BufferTarget();
  const output = new Output({
    format:
      plan.container === 'mp4' ? new Mp4OutputFormat({ fastStart: 'in-memory' }) : new WebMOutputFormat(),
    target,
  });
  const source = new EncodedVideoPacketSource(codec);
  output.addVideoTrack(source, { frameRate: clip.fps });
  if (plan.comment) output.setMetadataTags(metadataTags(plan.comment));

  // Every wait below races `failed`, so an encoder error or an abort can never hang the export.
  let fail!: (reason: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {}); // observed through race(); avoid an unhandled rejection before then
  const race = <T>(work: Promise<T>) => Promise.race([work, failed]);
  const onAbort = () => fail(abortReason(plan.signal!));
  plan.signal?.addEventListener('abort', onAbort, { once: true });

  let framesEncoded = 0;
  let muxed: Promise<void> = Promise.resolve();
  const encoder = new VideoEncoder({
    output: (chunk, metadata) => {
      const packet = EncodedPacket.fromEncodedChunk(chunk);
      muxed = muxed.then(() => source.add(packet, metadata)); // in decode order, as the muxer wants
      muxed.catch(fail);
      framesEncoded++;
      try {
        onProgress?.({ framesEncoded, totalFrames: clip.frameCount });
      } catch (error) {
        fail(error);
      }
    },
    error: (error) => fail(new EncoderFailedError(config.codec, error)),
  });

  try {
    await race(output.start());
    encoder.configure(config);
    const from = { width: clip.width, height: clip.height };
    const to = { width: plan.width, height: plan.height };
    const frameBytes = clip.width * clip.height * 4;
    const keyFrameEvery = Math.max(1, Math.round(clip.fps * KEY_FRAME_INTERVAL_SECONDS));
    for (let index = 0; index < clip.frameCount; index++) {
      while (encoder.encodeQueueSize >= MAX_ENCODE_QUEUE) await race(nextDequeue(encoder));
      if (plan.signal?.aborted) throw abortReason(plan.signal);
      const rgba = scaleFrame(
        clip.frames.subarray(index * frameBytes, (index + 1) * frameBytes),
        from,
        to,
        plan.filter,
      );
      const timestamp = Math.round((index * 1e6) / clip.fps); // microseconds
      const frame = new VideoFrame(rgba, {
        format: 'RGBX',
        codedWidth: to.width,
        codedHeight: to.height,
        timestamp,
        duration: Math.round(((index + 1) * 1e6) / clip.fps) - timestamp,
      });
      try {
        encoder.encode(frame, { keyFrame: index % keyFrameEvery === 0 });
      } finally {
        frame.close(); // encode() keeps its own reference
      }
    }
    await race(encoder.flush());
    await race(muxed);
    encoder.close();
    await race(output.finalize());
    return new Blob([target.buffer!], { type: await output.getMimeType() });
  } catch (error) {
    if (output.state !== 'finalized' && output.state !== 'canceled') await output.cancel().catch(() => {});
    if (error instanceof VideoExportError || plan.signal?.aborted) throw error;
    throw new EncoderFailedError(config.codec, error);
  } finally {
    if (encoder.state !== 'closed') encoder.close();
    plan.signal?.removeEventListener('abort', onAbort);
  }
}

function nextDequeue(encoder: VideoEncoder): Promise<void> {
  return new Promise((resolve) => encoder.addEventListener('dequeue', () => resolve(), { once: true }));
}
