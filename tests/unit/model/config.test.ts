import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  checkWeights,
  expectedTensors,
  ModelConfigError,
  parseModelConfig,
  WeightsMismatchError,
  type WeightsHeader,
} from '../../../src/engine/model/config.ts';
import { parseSafetensors } from '../../../src/engine/model/safetensors.ts';
import { nullTokens, tokenize, UnknownWordsError } from '../../../src/engine/model/tokenizer.ts';
import { FIXTURES } from './golden-helpers.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const tinyJson = (): Json => JSON.parse(readFileSync(new URL('tiny/config.json', FIXTURES), 'utf8'));
const tinyFile = () =>
  parseSafetensors(new Uint8Array(readFileSync(new URL('tiny/model.safetensors', FIXTURES))));

function configError(json: unknown): ModelConfigError {
  try {
    parseModelConfig(json);
  } catch (error) {
    if (error instanceof ModelConfigError) return error;
    throw error;
  }
  throw new Error('expected a ModelConfigError');
}

function edited(edit: (j: Json) => void): Json {
  const j = tinyJson();
  edit(j);
  return j;
}

describe('parseModelConfig', () => {
  it('reads the tiny config and derives shapes', () => {
    const c = parseModelConfig(tinyJson());
    expect(c.headDim).toBe(16);
    expect(c.downsample).toBe(4);
    expect(c.latent).toEqual({ channels: 4, frames: 4, height: 4, width: 6 });
    expect(c.grid).toEqual([2, 4, 3]);
    expect(c.tokens).toBe(24);
    expect(c.inChannels).toBe(9);
    expect(c.patchDim).toBe(16);
    expect(c.vocabSize).toBe(8);
    expect(c.mlpRatio).toBe(4);
    expect(c.trainingData).toBe('none (random weights)');
    expect(c.autoencoder).toEqual({ latentChannels: 4, hidden: [8, 16], groups: 4, latentScale: 0.5 });
  });

  it('derives a pixel-space model without continuation', () => {
    const c = parseModelConfig(
      edited((j) => Object.assign(j, { autoencoder: null, context: { max_frames: 0 }, patch: [1, 4, 4] })),
    );
    expect(c.latent).toEqual({ channels: 3, frames: 4, height: 16, width: 24 });
    expect(c.inChannels).toBe(3);
    expect(c.tokens).toBe(96);
  });

  it('names unknown and missing fields', () => {
    expect(configError(edited((j) => (j.colour = 'red'))).message).toBe('unknown field colour');
    const nested = configError(edited((j) => (j.autoencoder.depth = 2)));
    expect(nested.field).toBe('autoencoder');
    expect(nested.message).toContain('autoencoder.depth');
    expect(configError(edited((j) => (delete j.heads, delete j.fps))).message).toBe(
      'missing fields fps, heads',
    );
    expect(configError(edited((j) => delete j.text.max_tokens)).message).toContain('text.max_tokens');
  });

  it('refuses non-divisible shapes, naming the field and both numbers', () => {
    const cases: [(j: Json) => void, string, RegExp][] = [
      [(j) => (j.heads = 3), 'heads', /3 does not divide dim 32/],
      [(j) => Object.assign(j, { dim: 48, heads: 16 }), 'heads', /head_dim = dim \/ heads = 3 must be even/],
      [(j) => Object.assign(j, { dim: 40, heads: 2 }), 'dim', /multiple of 16/],
      [(j) => (j.patch = [3, 1, 2]), 'patch[0]', /3 does not divide the frames 4/],
      [(j) => (j.patch = [2, 3, 2]), 'patch[1]', /3 does not divide the latent height 4/],
      [(j) => (j.patch = [2, 1, 4]), 'patch[2]', /4 does not divide the latent width 6/],
      [(j) => (j.width = 26), 'width', /downsample factor 4/],
      [(j) => (j.autoencoder.hidden = [8, 10]), 'autoencoder.groups', /autoencoder.hidden\[1\] = 10/],
      [(j) => (j.context.max_frames = 4), 'context.max_frames', /less than frames 4/],
    ];
    for (const [edit, field, message] of cases) {
      const error = configError(edited(edit));
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    }
  });

  it('refuses wrong types and values', () => {
    const cases: [(j: Json) => void, string][] = [
      [(j) => (j.patch = [2, 2]), 'patch'],
      [(j) => (j.patch = [2, 0, 2]), 'patch[1]'],
      [(j) => (j.frames = 4.5), 'frames'],
      [(j) => (j.dim = '32'), 'dim'],
      [(j) => (j.dtype = 'int8'), 'dtype'],
      [(j) => (j.sha256 = 'xyz'), 'sha256'],
      [(j) => (j.sha256 = ''), 'sha256'],
      [(j) => (j.format = 'other'), 'format'],
      [(j) => (j.version = 2), 'version'],
      [(j) => (j.id = 'Bad Id'), 'id'],
      [(j) => (j.objective = 'eps'), 'objective'],
      [(j) => (j.schedule.supported_steps = [1, 0]), 'schedule.supported_steps[1]'],
      [(j) => (j.schedule.supported_steps = [1, 1, 4]), 'schedule.supported_steps[1]'],
      [(j) => (j.schedule.default_steps = 8), 'schedule.default_steps'],
      [(j) => (j.schedule.shift = 0), 'schedule.shift'],
      [(j) => (j.guidance.default = -1), 'guidance.default'],
      [(j) => (j.autoencoder.latent_scale = 0), 'autoencoder.latent_scale'],
      [(j) => (j.text.vocabulary[2] = 'Blue'), 'text.vocabulary[2]'],
      [(j) => j.text.vocabulary.push('red'), 'text.vocabulary[6]'],
      [(j) => (j.teacher = 5), 'teacher'],
    ];
    for (const [edit, field] of cases) expect(configError(edited(edit)).field).toBe(field);
    expect(configError(edited((j) => j.text.vocabulary.push('red'))).message).toContain(
      'repeats text.vocabulary[0]',
    );
    expect(configError([]).message).toBe('must be an object');
  });

  it('reads the optional model.onnx hash, as config.py does', () => {
    expect(parseModelConfig(edited((j) => delete j.onnx)).onnx).toBeNull();
    expect(parseModelConfig(edited((j) => (j.onnx = null))).onnx).toBeNull();
    expect(parseModelConfig(edited((j) => (j.onnx = { sha256: 'cd'.repeat(32) }))).onnx).toEqual({
      sha256: 'cd'.repeat(32),
    });
    const cases: [unknown, string, string][] = [
      [{ sha256: 'xyz' }, 'onnx.sha256', 'must be 64 lowercase hex digits'],
      [{ sha256: '' }, 'onnx.sha256', 'must not be empty'],
      [{}, 'onnx', 'missing field onnx.sha256'],
      [{ sha256: 'cd'.repeat(32), size: 1 }, 'onnx', 'unknown field onnx.size'],
      ['cd'.repeat(32), 'onnx', 'must be an object'],
    ];
    for (const [value, field, message] of cases) {
      const error = configError(edited((j) => (j.onnx = value)));
      expect(error.field).toBe(field);
      expect(error.message).toContain(message);
    }
  });

  it('accepts an empty sha256 only when asked (a config not yet exported)', () => {
    expect(
      parseModelConfig(
        edited((j) => (j.sha256 = '')),
        { requireSha256: false },
      ).sha256,
    ).toBe('');
  });
});

describe('checkWeights', () => {
  it('accepts the weights PyTorch wrote for the tiny config (names and shapes agree)', () => {
    const config = parseModelConfig(tinyJson());
    const file = tinyFile();
    expect(() => checkWeights(config, file)).not.toThrow();
    expect([...expectedTensors(config).keys()].sort()).toEqual([...file.tensors.keys()].sort());
  });

  it('names missing, unexpected and mis-shaped tensors with both shapes', () => {
    const config = parseModelConfig(tinyJson());
    const tensors = new Map<string, { dtype: string; shape: readonly number[] }>(tinyFile().tensors);
    tensors.delete('blocks.1.mlp.fc2.bias');
    tensors.set('blocks.0.norm1.weight', { dtype: 'F32', shape: [32] });
    tensors.set('blocks.0.attn.qkv.weight', { dtype: 'F32', shape: [96, 33] });
    tensors.set('decoder.conv_out.bias', { dtype: 'F16', shape: [3] });
    const header: WeightsHeader = { tensors };
    let error: unknown;
    try {
      checkWeights(config, header);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WeightsMismatchError);
    const problems = (error as WeightsMismatchError).problems;
    expect(problems).toContain('missing tensor blocks.1.mlp.fc2.bias (expected shape [32])');
    expect(problems).toContain('unexpected tensor blocks.0.norm1.weight (shape [32])');
    expect(problems).toContain(
      'blocks.0.attn.qkv.weight: shape [96, 33] in the file, [96, 32] expected by the config',
    );
    expect(problems).toContain('decoder.conv_out.bias: dtype F16 in the file, F32 expected');
    expect(problems).toHaveLength(4);
    expect((error as Error).message).toContain('"tiny"');
  });

  it('expects F16 when the config ships float16, unless told the file is the F32 variant', () => {
    const config = parseModelConfig(edited((j) => (j.dtype = 'float16')));
    expect(() => checkWeights(config, tinyFile())).toThrow(/dtype F32 in the file, F16 expected/);
    expect(() => checkWeights(config, tinyFile(), 'F32')).not.toThrow();
  });

  it('a config with another depth or vocabulary does not fit', () => {
    const deeper = parseModelConfig(edited((j) => (j.depth = 3)));
    expect(() => checkWeights(deeper, tinyFile())).toThrow(/missing tensor blocks\.2\.attn\.qkv\.weight/);
    const wider = parseModelConfig(edited((j) => j.text.vocabulary.push('cube')));
    expect(() => checkWeights(wider, tinyFile())).toThrow(
      /y_embedder.embedding_table.weight: shape \[8, 32\] in the file, \[9, 32\] expected/,
    );
  });
});

describe('tokenizer', () => {
  const text = { vocabulary: ['red', 'green', 'ball'], maxTokens: 4 };

  it('maps words to ids, pads with 0 and truncates', () => {
    expect([...tokenize('Red, BALL!', text)]).toEqual([2, 4, 0, 0]);
    expect([...tokenize('red green ball red ball', text)]).toEqual([2, 3, 4, 2]);
    expect([...tokenize('  ', text)]).toEqual([0, 0, 0, 0]);
    expect([...nullTokens(3)]).toEqual([1, 0, 0]);
  });

  it('names every unknown word once', () => {
    let error: unknown;
    try {
      tokenize('a purple ball, purple cube', text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownWordsError);
    expect((error as UnknownWordsError).words).toEqual(['a', 'purple', 'cube']);
    expect((error as Error).message).toMatch(
      /unknown words 'a', 'purple', 'cube'; the model knows: red green ball/,
    );
  });
});
