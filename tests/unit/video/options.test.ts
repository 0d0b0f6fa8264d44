import { describe, expect, it } from 'vitest';
import { InvalidClipError, InvalidExportOptionsError } from '../../../src/video/errors.ts';
import {
  defaultBitsPerSecond,
  exportSize,
  imageScale,
  planExport,
  validateClip,
} from '../../../src/video/options.ts';
import { squaresClip } from '../../helpers/synthetic-clip.ts';

const PARAMS = { modelId: 'm', prompt: 'p', seed: 3, steps: 4, guidance: 1, contextFrames: 0 };

describe('exportSize (the even-size rule)', () => {
  it('defaults to the smallest whole scale that makes the longer side at least 256 px', () => {
    expect(exportSize({ width: 32, height: 32 }, undefined)).toEqual({ width: 256, height: 256 });
    expect(exportSize({ width: 48, height: 27 }, undefined)).toEqual({ width: 288, height: 162 });
    expect(exportSize({ width: 640, height: 360 }, undefined)).toEqual({ width: 640, height: 360 });
  });

  it('rounds odd sides up to the next even number', () => {
    expect(exportSize({ width: 32, height: 32 }, { width: 255, height: 129 })).toEqual({
      width: 256,
      height: 130,
    });
    expect(exportSize({ width: 33, height: 17 }, 1)).toEqual({ width: 34, height: 18 });
    expect(exportSize({ width: 1, height: 1 }, 1)).toEqual({ width: 2, height: 2 });
    expect(exportSize({ width: 32, height: 32 }, 2.5)).toEqual({ width: 80, height: 80 });
  });

  it('states the 4096 px limit', () => {
    expect(exportSize({ width: 32, height: 32 }, { width: 4095, height: 2 })).toEqual({
      width: 4096,
      height: 2,
    });
    expect(() => exportSize({ width: 32, height: 32 }, { width: 4097, height: 32 })).toThrow(
      /at most 4096 px/,
    );
    expect(() => exportSize({ width: 32, height: 32 }, 129)).toThrow(InvalidExportOptionsError);
  });

  it.each([0, -1, NaN, Infinity])('rejects the scale %s', (scale) => {
    expect(() => exportSize({ width: 32, height: 32 }, scale)).toThrow(InvalidExportOptionsError);
  });

  it('rejects fractional or zero pixel sizes', () => {
    expect(() => exportSize({ width: 32, height: 32 }, { width: 100.5, height: 10 })).toThrow(
      /whole, positive/,
    );
    expect(() => exportSize({ width: 32, height: 32 }, { width: 0, height: 10 })).toThrow(/whole, positive/);
  });
});

describe('validateClip', () => {
  const clip = squaresClip(2, 8, 8, 8);
  it('accepts a well-formed clip', () => expect(() => validateClip(clip)).not.toThrow());
  it.each([
    ['no frames', { ...clip, frameCount: 0, frames: new Uint8Array(0) }, /at least one/],
    ['fractional frame count', { ...clip, frameCount: 1.5 }, /at least one/],
    ['zero fps', { ...clip, fps: 0 }, /fps/],
    ['infinite fps', { ...clip, fps: Infinity }, /fps/],
    ['too fast', { ...clip, fps: 121 }, /at most 120/],
    ['zero width', { ...clip, width: 0 }, /clip.width/],
    ['too tall', { ...clip, height: 5000 }, /clip.height.*4096/],
    ['wrong length', { ...clip, frames: new Uint8Array(10) }, /need 512/],
    ['not bytes', { ...clip, frames: new Float32Array(512) as unknown as Uint8Array }, /Uint8Array/],
  ])('rejects %s', (_, bad, message) => {
    expect(() => validateClip(bad)).toThrow(InvalidClipError);
    expect(() => validateClip(bad)).toThrow(message);
  });
});

describe('planExport', () => {
  const clip = squaresClip(2, 32, 32, 8);
  it('resolves defaults once: codec order, nearest filter, ~1 bit per pixel', () => {
    const plan = planExport(clip, { container: 'mp4' });
    expect(plan).toMatchObject({
      codecs: ['avc', 'vp9', 'av1'],
      width: 256,
      height: 256,
      filter: 'nearest',
      comment: null,
      signal: null,
    });
    expect(plan.bitsPerSecond).toBe(1_000_000);
    expect(planExport(clip, { container: 'webm' }).codecs).toEqual(['vp9', 'vp8', 'av1']);
    expect(planExport(clip, { container: 'webm', codec: 'vp8' }).codecs).toEqual(['vp8']);
    expect(defaultBitsPerSecond(1024, 1024, 8)).toBe(8_388_608);
  });

  it('embeds params as a JSON comment', () => {
    const plan = planExport(clip, { container: 'mp4', params: PARAMS });
    expect(JSON.parse(plan.comment!)).toEqual({ tessera: { version: 1, params: PARAMS } });
  });

  it.each([
    [{ container: 'avi' }, /container 'avi'/],
    [{ container: 'mp4', codec: 'hevc' }, /codec 'hevc'/],
    [{ container: 'mp4', codec: 'vp8' }, /MP4 cannot hold vp8/],
    [{ container: 'mp4', filter: 'bicubic' }, /filter 'bicubic'/],
    [{ container: 'mp4', bitsPerSecond: 10 }, /bitsPerSecond/],
    [{ container: 'mp4', signal: {} }, /AbortSignal/],
    [{ container: 'mp4', params: { ...PARAMS, seed: NaN } }, /seed/],
  ])('rejects %j', (options, message) => {
    expect(() => planExport(clip, options as never)).toThrow(InvalidExportOptionsError);
    expect(() => planExport(clip, options as never)).toThrow(message);
  });
});

describe('imageScale', () => {
  it('defaults like video and checks the 16384 px image limit', () => {
    expect(imageScale({ width: 32, height: 32 }, undefined)).toBe(8);
    expect(imageScale({ width: 32, height: 32 }, 3, 16)).toBe(3);
    expect(() => imageScale({ width: 32, height: 32 }, 64, 16)).toThrow(/32768 px.*16384/);
    expect(() => imageScale({ width: 32, height: 32 }, 0)).toThrow(/whole number/);
  });
});
