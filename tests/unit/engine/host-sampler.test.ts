// The host sampler's step events carry what the engine's do (previews, trace statistics), so
// the app shows a generation on onnxruntime as it shows one on the WGSL engine.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateClipWith } from '../../../src/engine/backends/cpu-sampler.ts';
import { checkDenoiserInputs, type Denoiser } from '../../../src/engine/backends/denoiser.ts';
import { parseModelConfig } from '../../../src/engine/model/config.ts';
import { loadWeights } from '../../../src/engine/model/reference/weights.ts';
import { parseSafetensors } from '../../../src/engine/model/safetensors.ts';
import type { StepEvent } from '../../../src/engine/protocol.ts';
import { validateRequest } from '../../../src/engine/request.ts';

const configJson: unknown = JSON.parse(readFileSync('tests/fixtures/tiny/config.json', 'utf8'));
const config = parseModelConfig(configJson);
const weights = loadWeights(
  config,
  parseSafetensors(new Uint8Array(readFileSync('tests/fixtures/tiny/model.safetensors'))),
);

/** A stand-in DiT: velocity = 0.5 * x_t, per batch row (enough to move the state each step). */
const fake: Denoiser = {
  name: 'onnx-wasm',
  config,
  async predict(x, t, tokens) {
    const n = checkDenoiserInputs(config, x, t, tokens);
    const { channels: C, frames: T, height: H, width: W } = config.latent;
    const clip = C * T * H * W;
    const perItem = config.inChannels * T * H * W;
    const v = new Float32Array(n * clip);
    for (let b = 0; b < n; b++) for (let i = 0; i < clip; i++) v[b * clip + i] = 0.5 * x[b * perItem + i]!;
    return v;
  },
  dispose() {},
};

const base = { modelId: config.id, prompt: 'red ball', seed: 9, steps: 3, guidance: 2 };

describe('generateClipWith step events', () => {
  it('carry x0 and x_t previews and statistics when asked, the last x0 being the clip', async () => {
    const events: StepEvent[] = [];
    const request = validateRequest({ ...base, preview: 'both', trace: true }, config);
    const clip = await generateClipWith(fake, weights, request, (e) => events.push(e));
    expect(events.map((e) => e.step)).toEqual([0, 1, 2]);
    const pixels = config.frames * config.height * config.width * 4;
    for (const event of events) {
      for (const frames of [event.x0!, event.xt!]) {
        expect(frames).toMatchObject({
          frameCount: config.frames,
          width: config.width,
          height: config.height,
        });
        expect(frames.rgba).toHaveLength(pixels);
      }
      for (const stats of Object.values(event.stats!)) {
        expect(Number.isFinite(stats.mean) && stats.std >= 0 && stats.min <= stats.max).toBe(true);
      }
      expect(event.kernels).toBeUndefined(); // no GPU timestamps on this path
    }
    // The last step ends at t = 0, where the prediction is the state itself: the clip.
    expect(events.at(-1)!.x0!.rgba).toEqual(clip.rgba);
    expect(events.at(-1)!.xt!.rgba).toEqual(clip.rgba);
    expect(events[0]!.x0!.rgba).not.toEqual(clip.rgba);
    expect(clip.params.backend).toBe('onnx-wasm');
    expect(clip.stepMilliseconds).toEqual(events.map((e) => e.milliseconds));
  });

  it('decodes only x0 for an x0 preview; one step lands on the clip', async () => {
    const events: StepEvent[] = [];
    const request = validateRequest({ ...base, steps: 1, preview: 'x0' }, config);
    const clip = await generateClipWith(fake, weights, request, (e) => events.push(e));
    expect(events[0]!.xt).toBeUndefined();
    expect(events[0]!.stats).toBeUndefined();
    expect(events[0]!.x0!.rgba).toEqual(clip.rgba); // one step: t 1 -> 0
  });

  it('carry neither previews nor statistics when none are asked for', async () => {
    const events: StepEvent[] = [];
    await generateClipWith(fake, weights, validateRequest({ ...base, preview: 'none' }, config), (e) =>
      events.push(e),
    );
    expect(events.every((e) => !e.x0 && !e.xt && !e.stats)).toBe(true);
  });
});
