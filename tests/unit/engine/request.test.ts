import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/engine/model/config.ts';
import { BACKEND_CHOICES, type GenerationRequest } from '../../../src/engine/protocol.ts';
import { InvalidRequestError, validateRequest } from '../../../src/engine/request.ts';

const config = parseModelConfig(JSON.parse(readFileSync('tests/fixtures/tiny/config.json', 'utf8')));

const good: GenerationRequest = { modelId: 'tiny', prompt: 'red ball', seed: 7, steps: 4, guidance: 2 };

function frames(count: number, width = config.width, height = config.height) {
  return { rgba: new Uint8Array(count * width * height * 4), frameCount: count, width, height };
}

describe('validateRequest', () => {
  it('accepts a good request and tokenizes its prompt', () => {
    const valid = validateRequest(good, config);
    expect(Array.from(valid.tokens)).toEqual([2, 5, 0, 0, 0, 0]); // red = vocab[0] + 2, ball = vocab[3] + 2
    expect(valid).toMatchObject({ preview: 'x0', contextFrames: 0 });
    expect(validateRequest({ ...good, context: frames(2) }, config).contextFrames).toBe(2);
  });

  it('accepts every backend choice, and none', () => {
    for (const backend of BACKEND_CHOICES) {
      expect(validateRequest({ ...good, backend }, config).backend).toBe(backend);
    }
    expect(validateRequest(good, config).backend).toBeUndefined();
  });

  it.each([
    [{ modelId: 'other' }, /model "other" is not loaded/],
    [{ seed: -1 }, /seed must be an integer from 0 to 4294967295, got -1/],
    [{ seed: 2 ** 32 }, /seed/],
    [{ seed: 1.5 }, /seed/],
    [{ steps: 0 }, /steps must be an integer from 1 to 64, got 0/],
    [{ steps: 65 }, /steps/],
    [{ guidance: -0.5 }, /guidance must be a number from 0 to 20/],
    [{ guidance: NaN }, /guidance/],
    [{ prompt: 'x'.repeat(501) }, /at most 500 characters/],
    [{ prompt: 'red cube and purple ball' }, /unknown words 'cube', 'and', 'purple'/],
    [{ preview: 'all' as never }, /preview must be one of none, x0, both/],
    [{ backend: 'onnx' as never }, /backend must be one of auto, wgsl, onnx-webgpu, onnx-wasm, got "onnx"/],
    [{ backend: 'WGSL' as never }, /backend must be one of/],
    [{ backend: null as never }, /backend must be one of .*, got null/],
    [{ context: frames(3) }, /context must have 1 to 2 frames, got 3/],
    [{ context: frames(1, 32, 32) }, /context frames are 32x32, the model needs 24x16/],
    [{ context: { ...frames(1), rgba: new Uint8Array(10) } }, /context holds 10 bytes/],
  ])('refuses %j with a sentence naming the problem', (change, message) => {
    const attempt = () => validateRequest({ ...good, ...change }, config);
    expect(attempt).toThrow(InvalidRequestError);
    expect(attempt).toThrow(message);
  });
});
