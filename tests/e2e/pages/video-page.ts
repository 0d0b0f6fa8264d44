// Puts the video module and a few decoding helpers on `window.tesseraVideo` for e2e tests.
import * as mediabunny from 'mediabunny';
import { ALL_FORMATS, BlobSource, Input, VideoSampleSink } from 'mediabunny';
import * as video from '../../../src/video/index.ts';
import { scaleFrames } from '../../../src/video/scale.ts';
import { greyRampClip, meanAbsRgbError, squaresClip } from '../../helpers/synthetic-clip.ts';

// Count encoders that were created and never closed: every export path must close its own.
const encoders = new Set<VideoEncoder>();
const NativeVideoEncoder = globalThis.VideoEncoder;
globalThis.VideoEncoder = class TrackedVideoEncoder extends NativeVideoEncoder {
  constructor(init: VideoEncoderInit) {
    super(init);
    encoders.add(this);
  }
} as typeof VideoEncoder;
const openEncoders = () => [...encoders].filter((encoder) => encoder.state !== 'closed').length;

interface DecodedVideo {
  frameCount: number;
  width: number;
  height: number;
  durationSeconds: number;
  codec: string | null;
  rgba: Uint8ClampedArray; // (frameCount, height, width, 4)
}

/** Decodes every frame of an MP4/WebM with mediabunny + WebCodecs, as a separate reader would. */
async function decodeVideo(blob: Blob): Promise<DecodedVideo> {
  const input = new Input({ formats: ALL_FORMATS, source: new BlobSource(blob) });
  try {
    const track = await input.getPrimaryVideoTrack();
    if (!track) throw new Error('no video track');
    const width = await track.getDisplayWidth();
    const height = await track.getDisplayHeight();
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true })!;
    const frames: Uint8ClampedArray[] = [];
    for await (const sample of new VideoSampleSink(track).samples()) {
      sample.draw(context, 0, 0, width, height);
      sample.close();
      frames.push(context.getImageData(0, 0, width, height).data);
    }
    const rgba = new Uint8ClampedArray(frames.length * width * height * 4);
    frames.forEach((frame, index) => rgba.set(frame, index * frame.length));
    return {
      frameCount: frames.length,
      width,
      height,
      durationSeconds: await input.computeDuration(),
      codec: await track.getCodec(),
      rgba,
    };
  } finally {
    input.dispose();
  }
}

/** Decodes an animated GIF or APNG frame by frame with WebCodecs' ImageDecoder. */
async function decodeAnimatedImage(
  blob: Blob,
): Promise<{ frameCount: number; width: number; height: number; rgba: Uint8ClampedArray }> {
  const decoder = new ImageDecoder({ data: blob.stream(), type: blob.type });
  try {
    await decoder.completed;
    const frameCount = decoder.tracks.selectedTrack!.frameCount;
    const chunks: Uint8ClampedArray[] = [];
    let width = 0;
    let height = 0;
    for (let frameIndex = 0; frameIndex < frameCount; frameIndex++) {
      const { image } = await decoder.decode({ frameIndex });
      width = image.displayWidth;
      height = image.displayHeight;
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d', { willReadFrequently: true })!;
      context.drawImage(image, 0, 0);
      image.close();
      chunks.push(context.getImageData(0, 0, width, height).data);
    }
    const rgba = new Uint8ClampedArray(chunks.reduce((n, c) => n + c.length, 0));
    chunks.forEach((chunk, index) => rgba.set(chunk, index * chunk.length));
    return { frameCount, width, height, rgba };
  } finally {
    decoder.close();
  }
}

async function decodeStillImage(
  blob: Blob,
): Promise<{ width: number; height: number; rgba: Uint8ClampedArray }> {
  const bitmap = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return {
    width: canvas.width,
    height: canvas.height,
    rgba: context.getImageData(0, 0, canvas.width, canvas.height).data,
  };
}

/** Encodes RGBA pixels as a PNG (for context-frame inputs). */
async function pngFromRgba(rgba: Uint8ClampedArray, width: number, height: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  canvas
    .getContext('2d')!
    .putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

/** The same frames with frame i moved to i + shift: a wrong-frame-order comparison baseline. */
function rollFrames(rgba: Uint8ClampedArray, frameCount: number, shift: number): Uint8ClampedArray {
  const frameBytes = rgba.length / frameCount;
  const out = new Uint8ClampedArray(rgba.length);
  for (let f = 0; f < frameCount; f++)
    out.set(rgba.subarray(f * frameBytes, (f + 1) * frameBytes), ((f + shift) % frameCount) * frameBytes);
  return out;
}

async function toBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(base64: string, type: string): Blob {
  return new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type });
}

function encodeInWorker(options: Omit<video.EncodeOptions, 'signal'>): Promise<Record<string, unknown>> {
  const worker = new Worker(new URL('./video-worker.ts', import.meta.url), { type: 'module' });
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage(options);
  }).finally(() => worker.terminate());
}

const tesseraVideo = {
  ...video,
  scaleFrames,
  squaresClip,
  greyRampClip,
  meanAbsRgbError,
  decodeVideo,
  decodeAnimatedImage,
  decodeStillImage,
  pngFromRgba,
  rollFrames,
  toBase64,
  fromBase64,
  encodeInWorker,
  openEncoders,
  mediabunny,
};

declare global {
  interface Window {
    tesseraVideo: typeof tesseraVideo;
  }
}

window.tesseraVideo = tesseraVideo;
document.body.dataset.ready = 'true';
