import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, GenerationCancelled, ModelNotLoadedError } from '../../src/engine/engine.ts';
import { BufferPool } from '../../src/engine/gpu/buffer-pool.ts';
import { PipelineCache } from '../../src/engine/gpu/pipeline-cache.ts';
import { readFloat32 } from '../../src/engine/gpu/readback.ts';
import { DecoderPlan, EncoderPlan, foldLatentScale } from '../../src/engine/model/autoencoder-gpu.ts';
import { uploadWeights } from '../../src/engine/model/gpu-weights.ts';
import { framesToBatch, poolPrompt } from '../../src/engine/model/reference/ops.ts';
import { parseSafetensors } from '../../src/engine/model/safetensors.ts';
import { nullTokens } from '../../src/engine/model/tokenizer.ts';
import { InvalidRequestError } from '../../src/engine/request.ts';
import { GenerationPlan } from '../../src/engine/sampler/generation-plan.ts';
import { gaussianNoise } from '../../src/engine/sampler/prng.ts';
import { timesteps } from '../../src/engine/sampler/schedule.ts';
import type { StepEvent } from '../../src/engine/protocol.ts';
import { assertClose } from '../helpers/allclose.ts';
import { FIXTURES, loadGoldens } from '../unit/model/golden-helpers.ts';
import { testGpu } from './context.ts';

const folder = new URL('tiny/', FIXTURES);
const g = loadGoldens(folder);
const configJson = JSON.parse(readFileSync(new URL('config.json', folder), 'utf8'));
const weightBytes = new Uint8Array(readFileSync(new URL('model.safetensors', folder)));

/** Pixels in [-1, 1] (3, T, H, W) → the bytes to_rgba8 writes, for comparison. */
function toRgba(pixels: ArrayLike<number>, frames: number, height: number, width: number): Uint8Array {
  const plane = frames * height * width;
  const out = new Uint8Array(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++)
      out[p * 4 + c] = Math.round(Math.min(Math.max((pixels[c * plane + p]! + 1) * 127.5, 0), 255));
    out[p * 4 + 3] = 255;
  }
  return out;
}

let engine: Engine;
beforeAll(async () => {
  // The shared test device; f32 so the run can match the float64 goldens byte for byte.
  engine = new Engine(() => undefined, await testGpu(), { precision: 'f32' });
});
afterAll(() => engine?.unloadModel('tiny'));

const request = {
  modelId: 'tiny',
  prompt: g.index.prompt,
  seed: 4, // the goldens' sample.noise seed
  steps: g.index.sample.steps,
  guidance: g.index.sample.guidance,
};

describe('Engine on the GPU (tiny model)', () => {
  it('reproduces the PyTorch sampling run, pixel for pixel within one level', async () => {
    await engine.loadModelFromBytes(configJson, weightBytes);
    const events: StepEvent[] = [];
    const clip = await engine.generate({ ...request, preview: 'both', trace: true }, (e) => events.push(e));
    const { frames, height, width } = g.config;
    const golden = toRgba(g.get('float64/sample.pixels').data, frames, height, width);
    let worst = 0;
    for (let i = 0; i < golden.length; i++) worst = Math.max(worst, Math.abs(clip.rgba[i]! - golden[i]!));
    console.info(`tiny clip: max byte difference to the float64 PyTorch run: ${worst}`);
    // Rounding near a .5 boundary may flip one level; anything more is a real difference.
    expect(worst).toBeLessThanOrEqual(1);
    expect(clip.params).toMatchObject({ modelId: 'tiny', seed: 4, steps: 4, contextFrames: 0 });

    expect(events.map((e) => e.step)).toEqual([0, 1, 2, 3]);
    expect(events.map((e) => e.t)).toEqual(Array.from(timesteps(4, g.config.schedule.shift).slice(0, 4)));
    for (const e of events) {
      expect(e.x0?.rgba.length).toBe(frames * height * width * 4);
      expect(e.xt?.rgba.length).toBe(frames * height * width * 4);
      expect(e.stats?.x.std).toBeGreaterThan(0);
    }
    // The first step's x is the noise itself.
    const noise = gaussianNoise(4, g.get('inputs/sample.noise').data.length);
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    expect(events[0]!.stats!.x.mean).toBeCloseTo(mean, 6);
  });

  it('samples in f16 where the adapter has shader-f16, close to the f32 clip', async () => {
    const gpu = await testGpu();
    if (!gpu.device.features.has('shader-f16')) return console.info('skipped: no shader-f16');
    const f16 = new Engine(() => undefined, gpu, { precision: 'f16' });
    try {
      const summary = await f16.loadModelFromBytes(configJson, weightBytes);
      expect(summary.precision).toBe('f16');
      const clip = await f16.generate(request);
      const { frames, height, width } = g.config;
      const golden = toRgba(g.get('float64/sample.pixels').data, frames, height, width);
      let sum = 0;
      let worst = 0;
      for (let i = 0; i < golden.length; i++) {
        const d = Math.abs(clip.rgba[i]! - golden[i]!);
        sum += d;
        worst = Math.max(worst, d);
      }
      const mean = sum / golden.length;
      console.info(`tiny clip in f16: mean byte difference ${mean.toFixed(3)}, max ${worst}`);
      // Four f16 steps drift by a few 1e-3 in latent space; decoded, that flips a level here
      // and there (measured: mean 0.03, max 1).
      expect(mean).toBeLessThan(0.25);
      expect(worst).toBeLessThanOrEqual(3);
    } finally {
      f16.unloadModel('tiny');
    }
  });

  it('follows the golden run step by step, and with context frames', async () => {
    const { device } = await testGpu();
    const config = g.config;
    const ctx = { device, pipelines: new PipelineCache(device) };
    const weights = uploadWeights(device, config, parseSafetensors(weightBytes), foldLatentScale(config));
    const pool = new BufferPool(device, 'plan-test');
    const plan = new GenerationPlan(ctx, pool, config, weights, 2);
    try {
      for (const [prefix, given] of [
        ['sample', 0],
        ['sample_context', g.index.sample.context_frames],
      ] as const) {
        const clip = g.get('inputs/sample.noise').data.length;
        const noise = Float32Array.from(g.get('inputs/sample.noise').data);
        device.queue.writeBuffer(plan.x.buffer, 0, noise);
        device.queue.writeBuffer(plan.x.buffer, clip * 4, noise);
        const table = g.weights.get('y_embedder.embedding_table.weight')!;
        const prompts = [
          Int32Array.from(
            g.index.tokens.concat(Array(config.text.maxTokens - g.index.tokens.length).fill(0)),
          ),
          nullTokens(config.text.maxTokens),
        ];
        device.queue.writeBuffer(
          plan.dit.pooled.buffer,
          0,
          Float32Array.from(poolPrompt(table, prompts).data),
        );
        const context = given
          ? Float32Array.from(g.get(`float32/${prefix}.context`).data)
          : new Float32Array(clip);
        device.queue.writeBuffer(plan.context.buffer, 0, context);
        plan.setContextFrames(given);
        plan.setGuidance(g.index.sample.guidance);
        const ts = g.index.sample.timesteps;
        for (let i = 0; i < g.index.sample.steps; i++) {
          const x = await readFloat32(device, plan.x.buffer, clip);
          assertClose(`${prefix} step ${i} x`, x, g.get(`float64/${prefix}.step.${i}.x`).data, {
            atol: 1e-4,
            rtol: 1e-4,
          });
          const encoder = device.createCommandEncoder();
          plan.encodeStep(encoder, ts[i]!, ts[i + 1]!, { x0: false, xt: false, latents: false });
          device.queue.submit([encoder.finish()]);
        }
        const encoder = device.createCommandEncoder();
        plan.encodeFinish(encoder);
        device.queue.submit([encoder.finish()]);
        const latent = await readFloat32(device, plan.x.buffer, clip);
        const report = assertClose(`${prefix} latent`, latent, g.get(`float64/${prefix}.latent`).data, {
          atol: 1e-4,
          rtol: 1e-4,
        });
        console.info(`${prefix}: final latent max |gpu - float64| ${report.maxAbsError.toExponential(2)}`);
      }
    } finally {
      plan.destroy();
      expect(pool.bytesInUse).toBe(0);
      weights.destroy();
      pool.destroy();
    }
  });

  it('encodes and decodes frames as the PyTorch autoencoder does', async () => {
    const { device } = await testGpu();
    const config = g.config;
    const ctx = { device, pipelines: new PipelineCache(device) };
    const weights = uploadWeights(device, config, parseSafetensors(weightBytes), foldLatentScale(config));
    const pool = new BufferPool(device, 'ae-test');
    const T = config.frames;
    const encoder = new EncoderPlan(ctx, pool, config, weights, T);
    const decoder = new DecoderPlan(ctx, pool, config, weights);
    try {
      const pixels = framesToBatch(g.get('inputs/pixels')); // (T, 3, H, W)
      device.queue.writeBuffer(encoder.pixels.buffer, 0, Float32Array.from(pixels.data));
      const latent = g.get('float64/ae.latent'); // (1, C, T, Hl, Wl)
      device.queue.writeBuffer(decoder.latent.buffer, 0, Float32Array.from(latent.data));
      const commands = device.createCommandEncoder();
      encoder.encode(commands);
      decoder.encode(commands);
      device.queue.submit([commands.finish()]);
      const encoded = await readFloat32(device, encoder.latent.buffer, latent.data.length); // (T, C, Hl, Wl)
      assertClose('encoder latent', encoded, framesToBatch(latent).data, { atol: 1e-4, rtol: 1e-4 });
      const decoded = await readFloat32(
        device,
        decoder.pixels.buffer,
        g.get('float64/ae.pixels').data.length,
      );
      assertClose('decoder pixels', decoded, g.get('float64/ae.pixels').data, { atol: 1e-4, rtol: 1e-4 });
    } finally {
      encoder.destroy();
      decoder.destroy();
      weights.destroy();
      pool.destroy();
    }
  });

  it('cancels within a step, keeps what it should, and generates again', async () => {
    await engine.loadModelFromBytes(configJson, weightBytes);
    const baseline = engine.poolBytesInUse('tiny');
    const run = engine.generate({ ...request, steps: 32 }, (e) => {
      if (e.step === 1) engine.cancel();
    });
    await expect(run).rejects.toBeInstanceOf(GenerationCancelled);
    expect(engine.poolBytesInUse('tiny')).toBe(baseline);
    const again = await engine.generate(request);
    const second = await engine.generate(request);
    expect(Array.from(second.rgba)).toEqual(Array.from(again.rgba)); // same seed, same pixels
    expect(engine.poolBytesInUse('tiny')).toBe(baseline);
    expect(engine.stats()).toMatchObject({ loadedModels: ['tiny'], generating: false });
  });

  it('refuses bad requests with a sentence and leaks nothing', async () => {
    await engine.loadModelFromBytes(configJson, weightBytes);
    const baseline = engine.poolBytesInUse('tiny');
    await expect(engine.generate({ ...request, modelId: 'nope' })).rejects.toBeInstanceOf(
      ModelNotLoadedError,
    );
    await expect(engine.generate({ ...request, steps: 0 })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(engine.generate({ ...request, seed: -3 })).rejects.toThrow(/seed must be an integer/);
    await expect(engine.generate({ ...request, guidance: 99 })).rejects.toThrow(/guidance/);
    await expect(engine.generate({ ...request, prompt: 'purple cube' })).rejects.toThrow(
      /unknown words 'purple', 'cube'/,
    );
    expect(engine.poolBytesInUse('tiny')).toBe(baseline);
  });
});
