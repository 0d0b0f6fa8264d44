// The video module in headless Chromium: every codec this browser encodes, decoded back in the
// browser and by ffmpeg; GIF and frame strip; context frames; and each failure path.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaleFrames } from '../../src/video/scale.ts';
import type { Container, ExportCodec, ExportSize, ScaleFilter } from '../../src/video/types.ts';
import { meanAbsRgbError, squaresClip } from '../helpers/synthetic-clip.ts';
import { openBrowser, type Session } from './browser.ts';
import { buildAndServeTestPages, type PageServer } from './pages/build.ts';
import type {} from './pages/video-page.ts';

// Mean absolute RGB error bound (0-255 scale) for a lossy export at the default ~1 bit/pixel.
// The clip is flat colours with hard edges, upscaled 8x: 4:2:0 chroma subsampling blurs colour
// across each edge (2 px of every 8 px block edge) and RGB->YUV->RGB rounding adds ~1 level;
// measured 1.2-2.9 for every codec. Frames in the wrong order give ~27, a wrong colour range ~15.
const LOSSY_MEAN_ABS_ERROR_BOUND = 6;
const PARAMS = {
  modelId: 'tessera-balls-s',
  prompt: 'a red ball bounces left',
  seed: 1234,
  steps: 4,
  guidance: 2.5,
  contextFrames: 0,
  scene: { balls: [{ x: 3, vx: -1 }] }, // a field a later protocol might add rides along
};

let server: PageServer;
let session: Session;
const scratch = mkdtempSync(join(tmpdir(), 'tessera-video-'));

beforeAll(async () => {
  server = await buildAndServeTestPages();
  session = await openBrowser({ webgpu: false });
  await session.page.goto(`${server.url}video.html`);
  await session.page.waitForFunction(() => document.body.dataset.ready === 'true');
});

afterAll(async () => {
  await session?.close();
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const page = () => session.page;

/** Runs `body` in the page and returns the thrown error's name and message (or 'resolved'). */
async function errorOf(body: string): Promise<{ name: string; message: string }> {
  return page().evaluate(async (source) => {
    const v = window.tesseraVideo;
    try {
      await new Function('v', `return (async () => { ${source} })()`)(v);
      return { name: 'resolved', message: '' };
    } catch (error) {
      return { name: (error as Error).name, message: (error as Error).message };
    }
  }, body);
}

function ffprobe(path: string) {
  const json = execFileSync('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,width,height,nb_read_frames,avg_frame_rate,pix_fmt,color_range:format=duration,format_name:format_tags',
    '-of',
    'json',
    path,
  ]).toString();
  return JSON.parse(json) as {
    streams: {
      codec_name: string;
      width: number;
      height: number;
      nb_read_frames: string;
      avg_frame_rate: string;
      pix_fmt: string;
      color_range?: string;
    }[];
    format: { duration: string; format_name: string; tags?: Record<string, string> };
  };
}

/**
 * Every frame decoded by ffmpeg to RGBA (ffmpeg's own YUV->RGB conversion). ffmpeg 5.1's scaler
 * honours full range only for the yuvj* formats, so a full-range tag on any other format (the
 * VP8 that Chromium writes) is passed to it explicitly, as a player that reads the tag would.
 */
function ffmpegFrames(path: string, colourRange: string | undefined, pixelFormat: string): Uint8Array {
  const range = colourRange === 'pc' && !pixelFormat.startsWith('yuvj') ? ['-vf', 'scale=in_range=full'] : [];
  return execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', path, ...range, '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'],
    {
      maxBuffer: 1 << 28,
    },
  );
}

const CASES: { container: Container; codec: ExportCodec }[] = [
  { container: 'mp4', codec: 'avc' },
  { container: 'mp4', codec: 'vp9' },
  { container: 'mp4', codec: 'av1' },
  { container: 'webm', codec: 'vp9' },
  { container: 'webm', codec: 'vp8' },
];

describe('encodeClip', () => {
  for (const { container, codec } of CASES) {
    it(`${container}/${codec}: 16 frames of 32x32 -> 256x256 decode back in Chromium and ffmpeg`, async (context) => {
      const size: ExportSize = 8;
      const filter: ScaleFilter = 'nearest';
      const result = await page().evaluate(
        async ({ container, codec, size, filter, params }) => {
          const v = window.tesseraVideo;
          const clip = v.squaresClip();
          const config = { container, codec, size, filter, params };
          const available = await v.encodableCodecs(container, { width: 256, height: 256 }, clip.fps);
          const probe = available.includes(codec)
            ? null
            : `this browser cannot encode ${codec} (it can: ${available.join(', ') || 'none'})`;
          if (probe) return { skipped: probe };
          const progress: number[] = [];
          const encoded = await v.encodeClip(clip, config, (p) =>
            progress.push(p.framesEncoded / p.totalFrames),
          );
          const decoded = await v.decodeVideo(encoded.blob);
          const reference = v.scaleFrames(clip.frames, clip.frameCount, clip, encoded, filter);
          const sameLength = decoded.rgba.length === reference.length;
          return {
            skipped: null,
            codec: encoded.codec,
            mimeType: encoded.mimeType,
            width: encoded.width,
            height: encoded.height,
            frames: encoded.frames,
            durationSeconds: encoded.durationSeconds,
            bytes: encoded.blob.size,
            progress,
            decoded: {
              frameCount: decoded.frameCount,
              width: decoded.width,
              height: decoded.height,
              durationSeconds: decoded.durationSeconds,
              codec: decoded.codec,
            },
            error: sameLength ? v.meanAbsRgbError(decoded.rgba, reference) : -1,
            wrongFrameError: sameLength
              ? v.meanAbsRgbError(v.rollFrames(decoded.rgba, clip.frameCount, clip.frameCount / 2), reference)
              : -1,
            params: await v.readParams(encoded.blob),
            base64: await v.toBase64(encoded.blob),
            openEncoders: v.openEncoders(),
          };
        },
        { container, codec, size, filter, params: PARAMS },
      );
      if (result.skipped) {
        console.info(`skipped ${container}/${codec}: ${result.skipped}`);
        context.skip();
        return;
      }
      const r = result as Required<typeof result>;
      expect(r.codec).toBe(codec);
      expect(r.mimeType).toMatch(container === 'mp4' ? /^video\/mp4/ : /^video\/webm/);
      expect([r.width, r.height, r.frames, r.durationSeconds]).toEqual([256, 256, 16, 2]);
      expect(r.progress.at(-1)).toBe(1);
      expect(r.progress).toHaveLength(16);
      expect(r.decoded).toMatchObject({ frameCount: 16, width: 256, height: 256, codec });
      expect(r.decoded.durationSeconds).toBeCloseTo(2, 2);
      expect(r.params).toEqual(PARAMS);
      expect(r.openEncoders).toBe(0);
      expect(r.error).toBeGreaterThanOrEqual(0);
      expect(r.error).toBeLessThan(LOSSY_MEAN_ABS_ERROR_BOUND);
      expect(r.wrongFrameError).toBeGreaterThan(2 * LOSSY_MEAN_ABS_ERROR_BOUND);

      // An independent reader: ffprobe for the container, ffmpeg for the pixels.
      const path = join(scratch, `squares-${codec}.${container}`);
      writeFileSync(path, Buffer.from(r.base64, 'base64'));
      const probe = ffprobe(path);
      const stream = probe.streams[0];
      const ffmpegName = { avc: 'h264', vp9: 'vp9', av1: 'av1', vp8: 'vp8' }[codec];
      expect(stream).toMatchObject({
        codec_name: ffmpegName,
        width: 256,
        height: 256,
        nb_read_frames: '16',
        avg_frame_rate: '8/1',
      });
      expect(Number(probe.format.duration)).toBeCloseTo(2, 1);
      // MP4 shows `comment`; ffmpeg names Matroska's MOVIE-level SimpleTag `MOVIE/COMMENT`.
      const comment = Object.entries(probe.format.tags ?? {}).find(([key]) =>
        /(^|\/)comment$/i.test(key),
      )?.[1];
      expect(JSON.parse(comment ?? 'null')).toEqual({ tessera: { version: 1, params: PARAMS } });
      const clip = squaresClip();
      const reference = scaleFrames(clip.frames, 16, clip, { width: 256, height: 256 }, 'nearest');
      const ffmpegRgba = ffmpegFrames(path, stream.color_range, stream.pix_fmt);
      expect(ffmpegRgba.length).toBe(reference.length);
      const ffmpegError = meanAbsRgbError(ffmpegRgba, reference);
      console.info(
        `${container}/${codec}: ${r.bytes} bytes, ${stream.pix_fmt} (${stream.color_range ?? 'range untagged'}), mean abs error ${r.error.toFixed(2)} (Chromium) ` +
          `${ffmpegError.toFixed(2)} (ffmpeg), wrong-frame baseline ${r.wrongFrameError.toFixed(2)}`,
      );
      expect(ffmpegError).toBeLessThan(LOSSY_MEAN_ABS_ERROR_BOUND);
    });
  }
});

describe('encodeClip, other paths', () => {
  it('auto-picks a codec, rounds an odd size up to even and stretches (smooth filter)', async () => {
    const r = await page().evaluate(async () => {
      const v = window.tesseraVideo;
      const clip = v.squaresClip();
      const encoded = await v.encodeClip(clip, {
        container: 'mp4',
        size: { width: 255, height: 129 },
        filter: 'smooth',
      });
      const decoded = await v.decodeVideo(encoded.blob);
      const reference = v.scaleFrames(clip.frames, clip.frameCount, clip, encoded, 'smooth');
      return {
        codec: encoded.codec,
        width: encoded.width,
        height: encoded.height,
        decoded: [decoded.frameCount, decoded.width, decoded.height],
        error: v.meanAbsRgbError(decoded.rgba, reference),
      };
    });
    expect(r.codec).toBe('avc'); // MP4 prefers H.264, which this Chromium encodes
    expect([r.width, r.height]).toEqual([256, 130]);
    expect(r.decoded).toEqual([16, 256, 130]);
    expect(r.error).toBeLessThan(LOSSY_MEAN_ABS_ERROR_BOUND);
  });

  it('encodes inside a module worker', async () => {
    const r = await page().evaluate(
      (params) => window.tesseraVideo.encodeInWorker({ container: 'webm', params }),
      { ...PARAMS, prompt: 'in a worker' },
    );
    expect(r).toMatchObject({
      ok: true,
      container: 'webm',
      codec: 'vp9',
      width: 256,
      height: 256,
      frames: 16,
      progressCalls: 16,
    });
    expect(r.bytes).toBeGreaterThan(500);
  });
});

describe('exportGif and exportFrameStrip', () => {
  it('writes a looping GIF that decodes to the exact upscaled frames (the clip has < 256 colours)', async () => {
    const r = await page().evaluate(async () => {
      const v = window.tesseraVideo;
      const clip = v.squaresClip();
      const gif = await v.exportGif(clip, { scale: 8 });
      const decoded = await v.decodeAnimatedImage(gif.blob);
      const reference = v.scaleFrames(clip.frames, clip.frameCount, clip, gif, 'nearest');
      return {
        ...gif,
        blob: undefined,
        decoded: [decoded.frameCount, decoded.width, decoded.height],
        error: v.meanAbsRgbError(decoded.rgba, reference),
        base64: await v.toBase64(gif.blob),
      };
    });
    expect(r).toMatchObject({
      mimeType: 'image/gif',
      width: 256,
      height: 256,
      frames: 16,
      decoded: [16, 256, 256],
    });
    expect(r.error).toBe(0);
    const path = join(scratch, 'squares.gif');
    writeFileSync(path, Buffer.from(r.base64, 'base64'));
    expect(ffprobe(path).streams[0]).toMatchObject({
      codec_name: 'gif',
      width: 256,
      height: 256,
      nb_read_frames: '16',
    });
  });

  it('lays every frame side by side in one PNG', async () => {
    const r = await page().evaluate(async () => {
      const v = window.tesseraVideo;
      const clip = v.squaresClip();
      const strip = await v.exportFrameStrip(clip, { scale: 2, gapPx: 4 });
      const image = await v.decodeStillImage(strip.blob);
      const tile = { width: 64, height: 64 };
      const reference = v.scaleFrames(clip.frames, clip.frameCount, clip, tile, 'nearest');
      let worst = 0;
      for (let f = 0; f < clip.frameCount; f++) {
        const cut = new Uint8ClampedArray(64 * 64 * 4);
        for (let y = 0; y < 64; y++) {
          const start = (y * image.width + f * (64 + 4)) * 4;
          cut.set(image.rgba.subarray(start, start + 64 * 4), y * 64 * 4);
        }
        worst = Math.max(
          worst,
          v.meanAbsRgbError(cut, reference.subarray(f * cut.length, (f + 1) * cut.length)),
        );
      }
      return {
        mimeType: strip.mimeType,
        size: [strip.width, strip.height],
        decoded: [image.width, image.height],
        worst,
      };
    });
    expect(r).toEqual({
      mimeType: 'image/png',
      size: [16 * 64 + 15 * 4, 64],
      decoded: [16 * 64 + 15 * 4, 64],
      worst: 0,
    });
  });
});

/** Files made by ffmpeg, so the reader is tested on bytes Tessera did not write. */
function ffmpegFixture(name: string, args: string[]): string {
  const path = join(scratch, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, path]);
  return readFileSync(path).toString('base64');
}

describe('readContextFrames', () => {
  let wide = '';
  beforeAll(() => {
    // 1280x720, 90 frames: a red 720x720 square in the middle, green bars left and right.
    wide = ffmpegFixture('wide.mp4', [
      '-f',
      'lavfi',
      '-i',
      'color=c=green:s=1280x720:r=30:d=3,drawbox=x=280:y=0:w=720:h=720:color=red:t=fill',
      '-frames:v',
      '90',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
    ]);
  });

  it('centre-crops and shrinks the last frames of an ffmpeg MP4, and says so', async () => {
    const r = await page().evaluate(async (base64) => {
      const v = window.tesseraVideo;
      const file = v.fromBase64(base64, 'video/mp4');
      const cropped = await v.readContextFrames(file, { width: 32, height: 32, frames: 2 });
      const stretched = await v.readContextFrames(
        file,
        { width: 32, height: 32, frames: 1 },
        { fit: 'stretch', take: 'first' },
      );
      let notRed = 0; // pixels where the green bars leaked in
      for (let i = 0; i < cropped.frames.length; i += 4) {
        const [r, g, b] = cropped.frames.subarray(i, i + 3);
        if (!(r > 200 && g < 60 && b < 60)) notRed++;
      }
      const pixel = (frames: Uint8ClampedArray, x: number, y: number) => [
        ...frames.subarray((y * 32 + x) * 4, (y * 32 + x) * 4 + 3),
      ];
      return {
        rule: cropped.rule,
        count: cropped.frameCount,
        notRed,
        firstPixel: pixel(cropped.frames, 0, 0),
        stretchedRule: stretched.rule,
        stretchedEdge: pixel(stretched.frames, 0, 16),
        stretchedMiddle: pixel(stretched.frames, 16, 16),
        params: await v.readParams(file),
      };
    }, wide);
    expect(r.rule).toBe(
      'centre-cropped 1280x720 to 720x720, resized to 32x32 (area average), took the last 2 of 90 frames',
    );
    expect(r.count).toBe(2);
    // ffmpeg tags no colour matrix, so red comes back a little off (BT.601 vs 709); no green leaks in.
    console.info(`ffmpeg red after crop: ${r.firstPixel.join(', ')}`);
    expect(r.notRed).toBe(0);
    expect(r.stretchedRule).toBe('stretched 1280x720 to 32x32 (area average), took the first 1 of 90 frames');
    expect(r.stretchedEdge[1]).toBeGreaterThan(100); // green bar survives a stretch
    expect(r.stretchedMiddle[0]).toBeGreaterThan(200);
    expect(r.params).toBeNull(); // an ffmpeg file carries no Tessera params
  });

  it('takes the frames asked for (last two of a grey ramp) from a Tessera WebM', async () => {
    const r = await page().evaluate(async () => {
      const v = window.tesseraVideo;
      const ramp = v.greyRampClip(16, 32, 32, 8, 16); // frame i is grey 16*i
      const { blob } = await v.encodeClip(ramp, { container: 'webm', size: 1 });
      const context = await v.readContextFrames(blob, { width: 16, height: 16, frames: 2 });
      const mean = (f: number) => {
        const frame = context.frames.subarray(f * 16 * 16 * 4, (f + 1) * 16 * 16 * 4);
        let sum = 0;
        for (let i = 0; i < frame.length; i += 4) sum += frame[i];
        return sum / (16 * 16);
      };
      return { rule: context.rule, levels: [mean(0), mean(1)] };
    });
    expect(r.rule).toBe('resized 32x32 to 16x16 (area average), took the last 2 of 16 frames');
    expect(r.levels[0]).toBeCloseTo(224, -1); // within 5 grey levels
    expect(r.levels[1]).toBeCloseTo(240, -1);
  });

  it('reads a PNG as one centre-cropped frame', async () => {
    const r = await page().evaluate(async () => {
      const v = window.tesseraVideo;
      const rgba = new Uint8ClampedArray(48 * 24 * 4);
      for (let y = 0; y < 24; y++)
        for (let x = 0; x < 48; x++) rgba.set(x < 24 ? [255, 0, 0, 255] : [0, 0, 255, 255], (y * 48 + x) * 4);
      const png = await v.pngFromRgba(rgba, 48, 24);
      const context = await v.readContextFrames(png, { width: 8, height: 8, frames: 4 });
      const row = [...context.frames.subarray(0, 8 * 4)];
      return { rule: context.rule, count: context.frameCount, row, params: await v.readParams(png) };
    });
    expect(r.rule).toBe('centre-cropped 48x24 to 24x24, resized to 8x8 (area average), an image: 1 frame');
    expect(r.count).toBe(1);
    const red = [255, 0, 0, 255];
    const blue = [0, 0, 255, 255];
    expect(r.row).toEqual([...red, ...red, ...red, ...red, ...blue, ...blue, ...blue, ...blue]);
    expect(r.params).toBeNull();
  });
});

describe('errors', () => {
  const clip = 'const clip = v.squaresClip();';
  it.each([
    [
      'zero frames',
      `await v.encodeClip({ frames: new Uint8Array(0), frameCount: 0, width: 32, height: 32, fps: 8 }, { container: 'mp4' })`,
      'InvalidClipError',
      /at least one/,
    ],
    [
      'fps 0',
      `${clip} await v.encodeClip({ ...clip, fps: 0 }, { container: 'mp4' })`,
      'InvalidClipError',
      /fps/,
    ],
    [
      'fps NaN',
      `${clip} await v.encodeClip({ ...clip, fps: NaN }, { container: 'mp4' })`,
      'InvalidClipError',
      /fps/,
    ],
    [
      'fps 1000',
      `${clip} await v.encodeClip({ ...clip, fps: 1000 }, { container: 'mp4' })`,
      'InvalidClipError',
      /at most 120/,
    ],
    [
      'short buffer',
      `${clip} await v.encodeClip({ ...clip, frames: clip.frames.subarray(4) }, { container: 'mp4' })`,
      'InvalidClipError',
      /need 65536/,
    ],
    [
      'size too large',
      `${clip} await v.encodeClip(clip, { container: 'mp4', size: { width: 5000, height: 5000 } })`,
      'InvalidExportOptionsError',
      /at most 4096/,
    ],
    [
      'scale too large',
      `${clip} await v.encodeClip(clip, { container: 'webm', size: 200 })`,
      'InvalidExportOptionsError',
      /6400x6400.*4096/,
    ],
    [
      'VP8 in MP4',
      `${clip} await v.encodeClip(clip, { container: 'mp4', codec: 'vp8' })`,
      'InvalidExportOptionsError',
      /cannot hold vp8/,
    ],
    [
      'bad params',
      `${clip} await v.encodeClip(clip, { container: 'mp4', params: { prompt: 'no model id' } })`,
      'InvalidExportOptionsError',
      /modelId/,
    ],
    [
      'GIF scale 1.5',
      `${clip} await v.exportGif(clip, { scale: 1.5 })`,
      'InvalidExportOptionsError',
      /whole number/,
    ],
  ])('%s', async (_, body, name, message) => {
    const error = await errorOf(body);
    expect(error.name).toBe(name);
    expect(error.message).toMatch(message);
  });

  it('says no codec encodes when the browser supports none, and leaks no encoder', async () => {
    const error = await errorOf(`
      const original = VideoEncoder.isConfigSupported;
      VideoEncoder.isConfigSupported = async (config) => ({ supported: false, config });
      v.forgetProbes();
      try { await v.encodeClip(v.squaresClip(), { container: 'webm' }); }
      finally { VideoEncoder.isConfigSupported = original; v.forgetProbes(); }`);
    expect(error.name).toBe('NoEncodableCodecError');
    expect(error.message).toMatch(
      /cannot encode WEBM video at 256x256 \(tried vp09\.00\.\d\d\.08, vp8, av01\.0\.\d\dM\.08\)/,
    );
  });

  it('closes the encoder when encoding fails part-way', async () => {
    const r = await page().evaluate(async () => {
      const v = window.tesseraVideo;
      const original = VideoEncoder.prototype.encode;
      let calls = 0;
      VideoEncoder.prototype.encode = function (
        this: VideoEncoder,
        frame: VideoFrame,
        options?: VideoEncoderEncodeOptions,
      ) {
        if (++calls === 3) throw new Error('simulated encoder fault');
        return original.call(this, frame, options);
      };
      try {
        await v.encodeClip(v.squaresClip(), { container: 'mp4' });
        return { name: 'resolved', message: '', open: v.openEncoders() };
      } catch (error) {
        return { name: (error as Error).name, message: (error as Error).message, open: v.openEncoders() };
      } finally {
        VideoEncoder.prototype.encode = original;
      }
    });
    expect(r).toMatchObject({ name: 'EncoderFailedError', open: 0 });
    expect(r.message).toMatch(/simulated encoder fault/);
  });

  it('stops on abort (before and during) with an AbortError, and leaks no encoder', async () => {
    const r = await page().evaluate(async () => {
      const v = window.tesseraVideo;
      const outcome = async (run: () => Promise<unknown>) =>
        run().then(
          () => 'resolved',
          (error: Error) => error.name,
        );
      const before = await outcome(() =>
        v.encodeClip(v.squaresClip(), { container: 'mp4', signal: AbortSignal.abort() }),
      );
      const controller = new AbortController();
      const during = await outcome(() =>
        v.encodeClip(v.squaresClip(), { container: 'mp4', signal: controller.signal }, (p) => {
          if (p.framesEncoded === 2) controller.abort();
        }),
      );
      return { before, during, open: v.openEncoders() };
    });
    expect(r).toEqual({ before: 'AbortError', during: 'AbortError', open: 0 });
  });

  describe('bad input files', () => {
    const fixtures: Record<string, string> = {};
    beforeAll(() => {
      fixtures.audio = ffmpegFixture('audio.m4a', [
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:duration=0.5',
        '-c:a',
        'aac',
      ]);
      fixtures.mpeg4 = ffmpegFixture('mpeg4.mp4', [
        '-f',
        'lavfi',
        '-i',
        'testsrc=s=64x64:r=10:d=1',
        '-c:v',
        'mpeg4',
      ]);
      const wide = readFileSync(join(scratch, 'wide.mp4'));
      fixtures.truncated = wide.subarray(0, Math.floor(wide.length / 2)).toString('base64');
    });

    const read = (base64: string, type: string) =>
      page().evaluate(
        async ({ base64, type }) => {
          const v = window.tesseraVideo;
          try {
            await v.readContextFrames(v.fromBase64(base64, type), { width: 32, height: 32, frames: 2 });
            return { name: 'resolved', message: '' };
          } catch (error) {
            return { name: (error as Error).name, message: (error as Error).message };
          }
        },
        { base64, type },
      );

    it('text is not a video or an image', async () => {
      const error = await read(Buffer.from('just some words, not a video').toString('base64'), 'text/plain');
      expect(error.name).toBe('UnrecognisedInputError');
      expect(error.message).toMatch(/neither a video/);
      const params = await errorOf(`await v.readParams(new Blob(['hello'], { type: 'text/plain' }))`);
      expect(params.name).toBe('UnrecognisedInputError');
    });

    it('a damaged PNG and a truncated MP4 are corrupt', async () => {
      const png = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        Buffer.alloc(64, 7),
      ]);
      expect((await read(png.toString('base64'), 'image/png')).name).toBe('CorruptInputError');
      const truncated = await read(fixtures.truncated, 'video/mp4');
      expect(truncated.name).toBe('CorruptInputError');
      expect(truncated.message).toMatch(/damaged or truncated/);
    });

    it('audio only has no video track', async () => {
      const error = await read(fixtures.audio, 'audio/mp4');
      expect(error.name).toBe('NoVideoTrackError');
    });

    it('MPEG-4 Part 2 video is an unsupported codec', async () => {
      const error = await read(fixtures.mpeg4, 'video/mp4');
      expect(error.name).toBe('UnsupportedInputCodecError');
      expect(error.message).toMatch(/cannot decode/);
    });

    it('a video track with no frames has zero frames', async () => {
      // A Tessera WebM cut just before its first Cluster: track header intact, no frames.
      const error = await errorOf(`
        const { blob } = await v.encodeClip(v.squaresClip(), { container: 'webm' });
        const bytes = new Uint8Array(await blob.arrayBuffer());
        const cluster = bytes.findIndex((b, i) => b === 0x1f && bytes[i + 1] === 0x43 && bytes[i + 2] === 0xb6 && bytes[i + 3] === 0x75);
        if (cluster < 0) throw new Error('no Cluster element found');
        await v.readContextFrames(new Blob([bytes.subarray(0, cluster)]), { width: 8, height: 8, frames: 1 });`);
      expect(error.name).toBe('NoFramesError');
    });
  });
});
