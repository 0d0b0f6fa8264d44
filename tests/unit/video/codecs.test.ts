import { describe, expect, it } from 'vitest';
import { canReallyEncode, codecStrings, encoderConfig } from '../../../src/video/codecs.ts';
import { centreCrop } from '../../../src/video/decode.ts';
import { clipPalette, frameDelayCentiseconds } from '../../../src/video/gif.ts';
import { squaresClip } from '../../helpers/synthetic-clip.ts';

describe('codecStrings', () => {
  it('picks the smallest level that fits the size and rate', () => {
    expect(codecStrings('avc', { width: 256, height: 256 }, 8)).toEqual(['avc1.64001e', 'avc1.42e01e']);
    expect(codecStrings('avc', { width: 1920, height: 1080 }, 30)).toEqual(['avc1.640028', 'avc1.42e028']);
    expect(codecStrings('avc', { width: 4096, height: 4096 }, 8)).toEqual(['avc1.64003c', 'avc1.42e03c']);
    expect(codecStrings('vp9', { width: 256, height: 256 }, 8)).toEqual(['vp09.00.11.08']);
    expect(codecStrings('vp9', { width: 1024, height: 1024 }, 8)).toEqual(['vp09.00.40.08']);
    expect(codecStrings('av1', { width: 256, height: 256 }, 8)).toEqual(['av01.0.00M.08']);
    expect(codecStrings('av1', { width: 4096, height: 4096 }, 8)).toEqual(['av01.0.16M.08']);
    expect(codecStrings('vp8', { width: 256, height: 256 }, 8)).toEqual(['vp8']);
  });

  it('asks H.264 for avcC (what MP4 stores), and drops alpha', () => {
    const config = encoderConfig('avc1.42e01e', { width: 256, height: 256 }, 8, 1e6);
    expect(config).toMatchObject({ avc: { format: 'avc' }, alpha: 'discard', framerate: 8, bitrate: 1e6 });
    expect(encoderConfig('vp8', { width: 2, height: 2 }, 8, 1e6)).not.toHaveProperty('avc');
  });

  it('says no without WebCodecs (as in Node)', async () => {
    expect(await canReallyEncode(encoderConfig('vp8', { width: 2, height: 2 }, 8, 1e6))).toBe(false);
  });
});

describe('GIF timing and palette', () => {
  it('keeps whole-centisecond delays summing to the exact duration', () => {
    const delays = Array.from({ length: 16 }, (_, i) => frameDelayCentiseconds(i, 8));
    expect(delays.slice(0, 4)).toEqual([13, 12, 13, 12]);
    expect(delays.reduce((a, b) => a + b)).toBe(200);
    expect(Array.from({ length: 30 }, (_, i) => frameDelayCentiseconds(i, 30)).reduce((a, b) => a + b)).toBe(
      100,
    );
  });

  it('uses the exact colours of a clip with at most 256 of them', () => {
    const clip = squaresClip(4, 32, 32, 8);
    const { palette, indexOf } = clipPalette(clip.frames);
    expect(palette).toHaveLength(4); // background + three squares
    const indices = indexOf(clip.frames.subarray(0, 32 * 32 * 4));
    for (let p = 0; p < indices.length; p++) {
      expect(palette[indices[p]]).toEqual([...clip.frames.subarray(p * 4, p * 4 + 3)]);
    }
  });

  it('quantises a clip with more than 256 colours to at most 256', () => {
    const frames = new Uint8ClampedArray(64 * 64 * 4);
    for (let p = 0; p < 64 * 64; p++) frames.set([p & 255, (p >> 4) & 255, (p * 7) & 255, 255], p * 4);
    const { palette, indexOf } = clipPalette(frames);
    expect(palette.length).toBeLessThanOrEqual(256);
    expect(indexOf(frames).length).toBe(64 * 64);
  });
});

describe('centreCrop', () => {
  it('takes the largest centred rectangle of the target aspect', () => {
    expect(centreCrop({ width: 1280, height: 720 }, { width: 32, height: 32 })).toEqual({
      x: 280,
      y: 0,
      width: 720,
      height: 720,
    });
    expect(centreCrop({ width: 720, height: 1280 }, { width: 32, height: 16 })).toEqual({
      x: 0,
      y: 460,
      width: 720,
      height: 360,
    });
    expect(centreCrop({ width: 64, height: 64 }, { width: 32, height: 32 })).toEqual({
      x: 0,
      y: 0,
      width: 64,
      height: 64,
    });
  });
});
