// The two denoiser backends agree: the WGSL DiT (Dawn here) and model.onnx on onnxruntime-web's
// wasm kernels give the same velocity for the same inputs, on the tiny fixture and on the
// shipped teacher; and the host sampler over the ONNX denoiser reproduces PyTorch's sampling.

import { existsSync, readFileSync } from 'node:fs';

import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateClipWith, sampleLatentsWith } from '../../src/engine/backends/cpu-sampler.ts';
import type { Denoiser } from '../../src/engine/backends/denoiser.ts';
import { HostGenerator, timeForward } from '../../src/engine/backends/host-generator.ts';
import { OnnxDenoiser } from '../../src/engine/backends/onnx.ts';
import { GenerationCancelled } from '../../src/engine/engine.ts';
import { WgslDenoiser } from '../../src/engine/backends/wgsl.ts';
import { parseModelConfig, type ModelConfig } from '../../src/engine/model/config.ts';
import { loadWeights } from '../../src/engine/model/reference/weights.ts';
import { parseSafetensors } from '../../src/engine/model/safetensors.ts';
import { nullTokens, tokenize } from '../../src/engine/model/tokenizer.ts';
import { validateRequest } from '../../src/engine/request.ts';
import { gaussianNoise } from '../../src/engine/sampler/prng.ts';
import { assertClose, compareClose } from '../helpers/allclose.ts';
import { FIXTURES, loadGoldens } from '../unit/model/golden-helpers.ts';
import { testGpu } from './context.ts';

// Two float32 implementations of the same forward: only summation order and the kernels'
// exp/tanh differ. Measured max |wgsl - onnx| (lavapipe, ORT 1.30 wasm): 1.1e-5 (tiny),
// 9.2e-6 (teacher, |v| up to 6.8); each is within 1.0e-5 of the tiny float64 goldens. 1e-4
// leaves room for other drivers and still fails on any real difference: t off by 1e-3 moves
// the velocity by 4e-2 (teacher) to 4e-1 (tiny's random weights).
const BACKENDS_AGREE = { atol: 1e-4, rtol: 1e-4 };
// The host sampler against float64 PyTorch: four steps of float32 forwards; measured 2.8e-6
// (plain) and 3.9e-6 (context) over ONNX, 2.3e-6 and 2.0e-6 over WGSL. Same budget as the
// GPU engine's test; a 1% different shift fails it.
const SAMPLING = { atol: 1e-4, rtol: 1e-4 };

const TINY = new URL('tiny/', FIXTURES);
// The shipped teacher as the py test layer exports it next to its goldens: the same weights in
// F32 safetensors and model.onnx, written together so they can never be out of step.
const TEACHER = new URL('../fixtures/generated/balls-s-teacher/', import.meta.url);

interface Pair {
  config: ModelConfig;
  wgsl: WgslDenoiser;
  onnx: OnnxDenoiser;
}

async function openPair(folder: URL): Promise<Pair> {
  const { device } = await testGpu();
  const configJson: unknown = JSON.parse(readFileSync(new URL('config.json', folder), 'utf8'));
  const weights = new Uint8Array(readFileSync(new URL('model.safetensors', folder)));
  const model = new Uint8Array(readFileSync(new URL('model.onnx', folder)));
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const onnx = await OnnxDenoiser.create(ort, configJson, model, { provider: 'wasm' });
  return {
    config: parseModelConfig(configJson),
    wgsl: WgslDenoiser.fromBytes(device, configJson, weights),
    onnx,
  };
}

/** A batch of two: row 0 with `given` context frames, row 1 none; t and prompts differ. */
function teacherInputs(config: ModelConfig): { x: Float32Array; t: Float32Array; tokens: Int32Array } {
  const { channels: C, frames: T, height: H, width: W } = config.latent;
  const clip = C * T * H * W;
  const perItem = config.inChannels * T * H * W;
  const x = new Float32Array(2 * perItem);
  const noise = gaussianNoise(11, 2 * clip);
  const context = gaussianNoise(12, clip);
  const given = config.context.maxFrames;
  for (let b = 0; b < 2; b++) x.set(noise.subarray(b * clip, (b + 1) * clip), b * perItem);
  if (given > 0) {
    for (let c = 0; c < C; c++) {
      const at = c * T * H * W;
      x.set(context.subarray(at, at + given * H * W), clip + at);
    }
    x.fill(1, 2 * clip, 2 * clip + given * H * W);
  }
  const tokens = new Int32Array(2 * config.text.maxTokens);
  tokens.set(tokenize('two balls big red and small blue slow no gravity', config.text));
  tokens.set(nullTokens(config.text.maxTokens), config.text.maxTokens);
  return { x, t: Float32Array.from([0.75, 0.25]), tokens };
}

const open: Denoiser[] = [];
afterAll(() => open.forEach((d) => d.dispose()));

describe('WGSL and onnxruntime-web (wasm) denoisers agree', () => {
  it('on the tiny fixture, and both match the float64 goldens', async () => {
    const g = loadGoldens(TINY);
    const { wgsl, onnx } = await openPair(TINY);
    open.push(wgsl, onnx);
    expect(onnx.name).toBe('onnx-wasm');
    const x = Float32Array.from(g.get('inputs/forward.x').data);
    const t = Float32Array.from(g.get('inputs/forward.t').data);
    const tokens = Int32Array.from(g.index.forward.y.flat());
    const [vw, vo] = [await wgsl.predict(x, t, tokens), await onnx.predict(x, t, tokens)];
    const report = assertClose('tiny wgsl vs onnx', vw, vo, BACKENDS_AGREE);
    const golden = g.get('float64/forward.velocity').data;
    const w = assertClose('tiny wgsl vs float64', vw, golden, BACKENDS_AGREE);
    const o = assertClose('tiny onnx vs float64', vo, golden, BACKENDS_AGREE);
    console.info(
      `tiny velocity: max |wgsl - onnx| ${report.maxAbsError.toExponential(2)}; ` +
        `vs float64: wgsl ${w.maxAbsError.toExponential(2)}, onnx ${o.maxAbsError.toExponential(2)}`,
    );
    // A batch of one goes through another plan (WGSL) and the dynamic batch axis (ONNX).
    const one = (v: Float32Array) => v.subarray(0, v.length / 2);
    const [w1, o1] = [
      await wgsl.predict(one(x), t.subarray(0, 1), tokens.subarray(0, g.config.text.maxTokens)),
      await onnx.predict(one(x), t.subarray(0, 1), tokens.subarray(0, g.config.text.maxTokens)),
    ];
    assertClose('tiny batch 1 wgsl vs onnx', w1, o1, BACKENDS_AGREE);
    assertClose('tiny batch 1 vs batch 2', w1, one(vw), BACKENDS_AGREE);

    // The check can fail: t moved by 1e-3 in one backend is far outside the tolerance.
    const moved = await onnx.predict(
      x,
      t.map((v) => v + 1e-3),
      tokens,
    );
    const negative = compareClose(vw, moved, BACKENDS_AGREE.atol, BACKENDS_AGREE.rtol);
    console.info(
      `tiny with t + 1e-3: max |wgsl - onnx| ${negative.maxAbsError.toExponential(2)} (must fail)`,
    );
    expect(negative.ok).toBe(false);
  });

  const teacherReady = existsSync(new URL('model.onnx', TEACHER));
  if (!teacherReady) {
    console.info(
      'skipping the teacher comparison: tests/fixtures/generated/balls-s-teacher/model.onnx is missing ' +
        '(npm run test:py writes it)',
    );
  }
  it.runIf(teacherReady)('on the shipped teacher (balls-s-teacher)', async () => {
    const { config, wgsl, onnx } = await openPair(TEACHER);
    open.push(wgsl, onnx);
    const { x, t, tokens } = teacherInputs(config);
    const [vw, vo] = [await wgsl.predict(x, t, tokens), await onnx.predict(x, t, tokens)];
    const report = assertClose('teacher wgsl vs onnx', vw, vo, BACKENDS_AGREE);
    const scale = vo.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    console.info(
      `teacher velocity: max |wgsl - onnx| ${report.maxAbsError.toExponential(2)} (max |v| ${scale.toFixed(2)})`,
    );
    const moved = await onnx.predict(
      x,
      t.map((v) => v + 1e-3),
      tokens,
    );
    const negative = compareClose(vw, moved, BACKENDS_AGREE.atol, BACKENDS_AGREE.rtol);
    console.info(
      `teacher with t + 1e-3: max |wgsl - onnx| ${negative.maxAbsError.toExponential(2)} (must fail)`,
    );
    expect(negative.ok).toBe(false);

    // The engine's f16 path (where the adapter has shader-f16) against the float32 export,
    // with the f16 DiT test's bound: 5e-3 of the output scale plus 1e-2 relative.
    const { device } = await testGpu();
    if (device.features.has('shader-f16')) {
      const half = WgslDenoiser.fromBytes(
        device,
        JSON.parse(readFileSync(new URL('config.json', TEACHER), 'utf8')),
        new Uint8Array(readFileSync(new URL('model.safetensors', TEACHER))),
        'f16',
      );
      open.push(half);
      const r = assertClose('teacher wgsl f16 vs onnx', await half.predict(x, t, tokens), vo, {
        atol: 5e-3 * scale,
        rtol: 1e-2,
      });
      console.info(`teacher velocity: max |wgsl f16 - onnx| ${r.maxAbsError.toExponential(2)}`);
    } else console.info('no shader-f16 on this adapter: the f16 comparison is skipped');
    wgsl.dispose();
    onnx.dispose();
  });
});

describe('the host sampler over a Denoiser', () => {
  const g = loadGoldens(TINY);
  let onnx: OnnxDenoiser;
  let wgsl: WgslDenoiser;
  beforeAll(async () => {
    ({ onnx, wgsl } = await openPair(TINY));
    open.push(onnx, wgsl);
  });
  const prompt = Int32Array.from(
    g.index.tokens.concat(Array(g.config.text.maxTokens - g.index.tokens.length).fill(0)),
  );
  const options = (prefix: 'sample' | 'sample_context') => ({
    noise: Float32Array.from(g.get('inputs/sample.noise').data),
    tokens: prompt,
    steps: g.index.sample.steps,
    shift: g.index.sample.shift,
    guidance: g.index.sample.guidance,
    context: prefix === 'sample_context' ? Float32Array.from(g.get(`float32/${prefix}.context`).data) : null,
    contextFrames: prefix === 'sample_context' ? g.index.sample.context_frames : 0,
  });

  it.each(['sample', 'sample_context'] as const)(
    'reproduces the float64 PyTorch latents (%s) on ONNX and on WGSL',
    async (prefix) => {
      const golden = g.get(`float64/${prefix}.latent`).data;
      for (const denoiser of [onnx, wgsl]) {
        const steps: number[] = [];
        const latent = await sampleLatentsWith(denoiser, {
          ...options(prefix),
          onStep: (e) => steps.push(e.t),
        });
        expect(steps).toEqual(g.index.sample.timesteps.slice(0, -1));
        const r = assertClose(`${prefix} latent (${denoiser.name})`, latent, golden, SAMPLING);
        console.info(
          `${prefix} latent over ${denoiser.name}: max |host - float64| ${r.maxAbsError.toExponential(2)}`,
        );
      }
      // And it can fail: another shift gives other timesteps, far from the golden run.
      const wrong = await sampleLatentsWith(onnx, { ...options(prefix), shift: g.index.sample.shift * 1.01 });
      expect(compareClose(wrong, golden, SAMPLING.atol, SAMPLING.rtol).ok).toBe(false);
    },
  );

  it('generates the whole clip without WebGPU, pixel for pixel within one level', async () => {
    const weights = loadWeights(
      g.config,
      parseSafetensors(new Uint8Array(readFileSync(new URL('model.safetensors', TINY)))),
    );
    const request = validateRequest(
      {
        modelId: g.config.id,
        prompt: g.index.prompt,
        seed: 4, // the goldens' sample.noise seed
        steps: g.index.sample.steps,
        guidance: g.index.sample.guidance,
      },
      g.config,
    );
    const clip = await generateClipWith(onnx, weights, request);
    const { frames, height, width } = g.config;
    expect(clip.stepMilliseconds).toHaveLength(request.steps);
    expect([clip.frameCount, clip.height, clip.width]).toEqual([frames, height, width]);
    const golden = g.get('float64/sample.pixels').data; // (1, 3, T, H, W) in [-1, 1]
    const plane = frames * height * width;
    let worst = 0;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const byte = Math.round(Math.min(Math.max((golden[c * plane + p]! + 1) * 127.5, 0), 255));
        worst = Math.max(worst, Math.abs(clip.rgba[p * 4 + c]! - byte));
      }
    }
    console.info(`tiny clip over onnx-wasm + CPU decoder: max byte difference to float64 PyTorch ${worst}`);
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe('HostGenerator (onnxruntime-web wasm, no WebGPU)', () => {
  it('answers a GenerationRequest as the engine does, cancels, and times a forward', async () => {
    const configJson: unknown = JSON.parse(readFileSync(new URL('config.json', TINY), 'utf8'));
    ort.env.wasm.numThreads = 1;
    const generator = await HostGenerator.create(
      ort,
      configJson,
      new Uint8Array(readFileSync(new URL('model.safetensors', TINY))),
      new Uint8Array(readFileSync(new URL('model.onnx', TINY))),
      'wasm',
    );
    open.push(generator.denoiser);
    const request = { modelId: generator.config.id, prompt: 'red ball', seed: 3, steps: 2, guidance: 2 };
    const steps: number[] = [];
    const clip = await generator.generate(request, (e) => steps.push(e.step));
    expect(steps).toEqual([0, 1]);
    expect(clip.params).toMatchObject({ modelId: generator.config.id, seed: 3, steps: 2, contextFrames: 0 });
    const { frames, height, width } = generator.config;
    expect(clip.rgba).toHaveLength(frames * height * width * 4);

    const cancelled = generator.generate(request, () => generator.cancel());
    await expect(cancelled).rejects.toBeInstanceOf(GenerationCancelled);
    expect(await timeForward(generator.denoiser, 1)).toBeGreaterThan(0);
  });
});
