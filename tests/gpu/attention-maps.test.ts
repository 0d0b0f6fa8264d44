// The Inspector's attention maps: the engine replays a generation to a step, stops its forward
// at a block's qkv and computes the probabilities; the float64 reference DiT, run on the
// PyTorch sampler's own state at that step, must give the same matrix.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { attentionProbabilities } from '../../src/engine/model/attention-map.ts';
import { ditForward } from '../../src/engine/model/reference/dit.ts';
import { withContextChannels } from '../../src/engine/model/reference/sampler.ts';
import type { Tensor } from '../../src/engine/model/reference/tensor.ts';
import { loadWeights } from '../../src/engine/model/reference/weights.ts';
import { parseSafetensors } from '../../src/engine/model/safetensors.ts';
import { tokenize } from '../../src/engine/model/tokenizer.ts';
import { FIXTURES, loadGoldens } from '../unit/model/golden-helpers.ts';
import { testGpu } from './context.ts';

const folder = new URL('tiny/', FIXTURES);
const g = loadGoldens(folder);
const config = g.config;
const configJson = JSON.parse(readFileSync(new URL('config.json', folder), 'utf8'));
const weightBytes = new Uint8Array(readFileSync(new URL('model.safetensors', folder)));
const request = {
  modelId: 'tiny',
  prompt: g.index.prompt,
  seed: 4, // the goldens' sample.noise seed
  steps: g.index.sample.steps,
  guidance: g.index.sample.guidance,
};

/** The float64 reference's probabilities at the PyTorch sampler's state of `step`. */
function referenceMaps(step: number, block: number): Float32Array {
  const weights = loadWeights(config, parseSafetensors(weightBytes));
  const x = g.get(`float64/sample.step.${step}.x`);
  const input = config.inChannels > config.latent.channels ? withContextChannels(x, null, 0) : x;
  let qkv: Tensor | null = null;
  const t = g.index.sample.timesteps[step]!;
  ditForward(config, weights, input, [t], [tokenize(request.prompt, config.text)], (name, value) => {
    if (name === `blocks.${block}.attn.qkv`) qkv = value;
  });
  return attentionProbabilities(qkv!.data, config.tokens, config.dim, config.heads);
}

let engine: Engine;
beforeAll(async () => {
  engine = new Engine(() => undefined, await testGpu(), { precision: 'f32' });
  await engine.loadModelFromBytes(configJson, weightBytes);
});
afterAll(() => engine?.unloadModel('tiny'));

describe('Engine.attention (tiny model)', () => {
  it.each([
    [0, 0],
    [2, config.depth - 1],
  ])('matches the float64 reference at step %i, block %i', async (step, block) => {
    const maps = await engine.attention(request, { step, block });
    const expected = referenceMaps(step, block);
    expect(maps.probabilities.length).toBe(config.heads * config.tokens * config.tokens);
    expect(maps.grid[0] * maps.grid[1] * maps.grid[2]).toBe(config.tokens);
    let worst = 0;
    for (let i = 0; i < expected.length; i++)
      worst = Math.max(worst, Math.abs(maps.probabilities[i]! - expected[i]!));
    console.info(
      `attention step ${step} block ${block}: max difference to float64 ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(1e-4);
  });

  it('reads the f16 path back too, close to float64', async (context) => {
    const gpu = await testGpu();
    if (!gpu.device.features.has('shader-f16')) return context.skip('this adapter has no shader-f16');
    const half = new Engine(() => undefined, gpu, { precision: 'f16' });
    await half.loadModelFromBytes(configJson, weightBytes);
    try {
      const maps = await half.attention(request, { step: 1, block: 1 });
      const expected = referenceMaps(1, 1);
      let worst = 0;
      for (let i = 0; i < expected.length; i++)
        worst = Math.max(worst, Math.abs(maps.probabilities[i]! - expected[i]!));
      console.info(`attention f16: max difference to float64 ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(2e-2);
    } finally {
      half.unloadModel('tiny');
    }
  });

  it('leaves the model as it was: the next clip is the same as before', async () => {
    const before = await engine.generate(request);
    await engine.attention(request, { step: 3, block: 1 });
    const after = await engine.generate(request);
    expect(after.rgba).toEqual(before.rgba);
    expect(engine.stats().generating).toBe(false);
  });

  it('refuses a step or block the generation does not have', async () => {
    await expect(engine.attention(request, { step: 4, block: 0 })).rejects.toThrow(
      /step must be an integer from 0 to 3/,
    );
    await expect(engine.attention(request, { step: 0, block: config.depth })).rejects.toThrow(
      /block must be/,
    );
    await expect(engine.attention({ ...request, modelId: 'nope' }, { step: 0, block: 0 })).rejects.toThrow(
      /not loaded/,
    );
  });
});
