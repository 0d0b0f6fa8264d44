import { describe, expect, it } from 'vitest';
import type { GenerationParams } from '../../../src/engine/protocol.ts';
import { InvalidExportOptionsError } from '../../../src/video/errors.ts';
import {
  MAX_PARAMS_JSON_BYTES,
  decodeParamsComment,
  encodeParamsComment,
} from '../../../src/video/metadata.ts';

const PARAMS: GenerationParams = {
  modelId: 'tessera-s',
  prompt: 'two balls — one red',
  seed: 42,
  steps: 4,
  guidance: 2,
  contextFrames: 0,
};

const tag = (params: unknown) => JSON.stringify({ tessera: { version: 1, params } });

describe('params in the comment tag', () => {
  it('round-trips the params, and extra JSON fields a later protocol adds', () => {
    expect(decodeParamsComment(encodeParamsComment(PARAMS))).toEqual(PARAMS);
    const later = { ...PARAMS, scene: { balls: [{ x: 1, vx: -0.5 }] }, note: null };
    expect(decodeParamsComment(encodeParamsComment(later))).toEqual(later);
  });

  it('ignores comments written by others', () => {
    for (const text of [undefined, '', 'Made with a camera', JSON.stringify(PARAMS), '[1,2]']) {
      expect(decodeParamsComment(text)).toBeNull();
    }
    expect(decodeParamsComment(JSON.stringify({ tessera: { version: 2, params: PARAMS } }))).toBeNull();
  });

  it('rejects a tag whose params are malformed', () => {
    expect(decodeParamsComment(tag({ ...PARAMS, steps: 'four' }))).toBeNull();
    expect(decodeParamsComment(tag({ ...PARAMS, modelId: undefined }))).toBeNull();
    expect(decodeParamsComment(tag({ ...PARAMS, contextFrames: undefined }))).toBeNull();
  });

  it.each([
    [{ ...PARAMS, modelId: '' }, /modelId/],
    [{ ...PARAMS, prompt: 7 }, /prompt/],
    [{ ...PARAMS, guidance: Infinity }, /guidance/],
    [{ ...PARAMS, seed: undefined }, /seed/],
    [{ ...PARAMS, latents: new Float32Array(2) }, /latents.*plain JSON/],
    [{ ...PARAMS, callback: () => 1 }, /callback/],
  ])('refuses to write %j', (params, message) => {
    expect(() => encodeParamsComment(params as never)).toThrow(InvalidExportOptionsError);
    expect(() => encodeParamsComment(params as never)).toThrow(message);
  });

  it('caps the JSON size', () => {
    expect(() => encodeParamsComment({ ...PARAMS, prompt: 'x'.repeat(MAX_PARAMS_JSON_BYTES) })).toThrow(
      /at most 65536/,
    );
  });
});
