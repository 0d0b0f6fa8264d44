// The backend routing the worker does: which backends can run a model here, what 'auto' and a
// named choice resolve to (with a sentence when they cannot run), and the onnxruntime side's
// lazy, shared, cancellable generators and their timing. The runtime itself is faked.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import {
  availableBackends,
  HostBackends,
  resolveBackend,
  type HostModel,
  type HostRunner,
} from '../../../src/engine/backends/router.ts';
import type { Denoiser } from '../../../src/engine/backends/denoiser.ts';
import { GenerationCancelled } from '../../../src/engine/engine.ts';
import { BackendUnavailableError } from '../../../src/engine/errors.ts';
import { parseModelConfig } from '../../../src/engine/model/config.ts';
import type { Clip, GenerationRequest } from '../../../src/engine/protocol.ts';
import { InvalidRequestError } from '../../../src/engine/request.ts';

const json = JSON.parse(readFileSync('tests/fixtures/tiny/config.json', 'utf8')) as Record<string, unknown>;
const withOnnx = parseModelConfig(json);
const { onnx: _, ...rest } = json;
const withoutOnnx = parseModelConfig(rest);
const GPU = { gpuOk: true };
const NO_GPU = { gpuOk: false, gpuProblem: 'This browser does not expose WebGPU.' };

const model: HostModel = { config: withOnnx, configJson: json, weights: new Uint8Array(4) };
const request: GenerationRequest = { modelId: 'tiny', prompt: 'red ball', seed: 1, steps: 2, guidance: 2 };
const clip = { params: { backend: 'onnx-wasm' } } as unknown as Clip;

describe('availableBackends', () => {
  it('offers WGSL first with a GPU, onnxruntime only for a model with model.onnx', () => {
    expect(availableBackends(withOnnx, GPU)).toEqual(['wgsl', 'onnx-webgpu', 'onnx-wasm']);
    expect(availableBackends(withOnnx, NO_GPU)).toEqual(['onnx-wasm']);
    expect(availableBackends(withoutOnnx, GPU)).toEqual(['wgsl']);
    expect(availableBackends(withoutOnnx, NO_GPU)).toEqual([]);
  });
});

describe('resolveBackend', () => {
  it("resolves 'auto' and no choice to WGSL with a GPU, else onnx-wasm", () => {
    expect(resolveBackend('auto', withOnnx, GPU)).toBe('wgsl');
    expect(resolveBackend(undefined, withOnnx, NO_GPU)).toBe('onnx-wasm');
    expect(resolveBackend('onnx-webgpu', withOnnx, GPU)).toBe('onnx-webgpu');
  });

  it('refuses what cannot run here with a sentence that says what to use', () => {
    const cases: [Parameters<typeof resolveBackend>, RegExp][] = [
      [['wgsl', withOnnx, NO_GPU], /wgsl needs a WebGPU device.*does not expose WebGPU.*use onnx-wasm/],
      [['onnx-webgpu', withOnnx, NO_GPU], /onnx-webgpu needs a WebGPU device/],
      [['onnx-wasm', withoutOnnx, GPU], /ships no model\.onnx, so onnx-wasm cannot run it; use wgsl/],
      [['auto', withoutOnnx, NO_GPU], /ships no model\.onnx, and without a GPU/],
    ];
    for (const [args, message] of cases) {
      expect(() => resolveBackend(...args)).toThrow(BackendUnavailableError);
      expect(() => resolveBackend(...args)).toThrow(message);
    }
    expect(() => resolveBackend('webgl' as never, withOnnx, GPU)).toThrow(InvalidRequestError);
  });
});

function fakeRunner(generate: HostRunner['generate'] = async () => clip): HostRunner {
  return {
    denoiser: { name: 'onnx-wasm' } as Denoiser,
    generate: vi.fn(generate),
    cancel: vi.fn(),
    dispose: vi.fn(),
  };
}

function backends(overrides: Partial<ConstructorParameters<typeof HostBackends>[0]> = {}) {
  const runners: HostRunner[] = [];
  const options = {
    onnxBytes: vi.fn(async () => new Uint8Array([1, 2, 3])),
    createHost: vi.fn(async () => {
      const runner = fakeRunner();
      runners.push(runner);
      return runner;
    }),
    timeForward: vi.fn(async () => 12.5),
    ...overrides,
  };
  return { hosts: new HostBackends(options), options, runners };
}

describe('HostBackends', () => {
  it('builds one generator per model and backend on first use, shared by concurrent callers', async () => {
    const { hosts, options } = backends();
    const [a, b] = await Promise.all([hosts.host(model, 'onnx-wasm'), hosts.host(model, 'onnx-wasm')]);
    expect(a).toBe(b);
    await hosts.host(model, 'onnx-webgpu');
    expect(options.onnxBytes).toHaveBeenCalledTimes(2);
    expect(vi.mocked(options.createHost).mock.calls.map((c) => c[1])).toEqual(['wasm', 'webgpu']);
    expect(await hosts.generate(model, 'onnx-wasm', request, () => {})).toBe(clip);
  });

  it('forgets a build that failed, so the next use tries again', async () => {
    let fail = true;
    const { hosts } = backends({
      onnxBytes: vi.fn(async () => {
        if (fail) throw new Error('offline');
        return new Uint8Array(1);
      }),
    });
    await expect(hosts.host(model, 'onnx-wasm')).rejects.toThrow('offline');
    fail = false;
    await expect(hosts.host(model, 'onnx-wasm')).resolves.toBeDefined();
  });

  it('refuses a model without model.onnx before fetching anything', async () => {
    const { hosts, options } = backends();
    await expect(hosts.host({ ...model, config: withoutOnnx }, 'onnx-wasm')).rejects.toThrow(
      BackendUnavailableError,
    );
    expect(options.onnxBytes).not.toHaveBeenCalled();
  });

  it('cancels a generation still waiting for its model.onnx, and one running', async () => {
    let release!: () => void;
    const runner = fakeRunner();
    // A generation that runs until its generator is cancelled, as HostGenerator's does.
    let stop!: () => void;
    runner.generate = vi.fn(
      () => new Promise<Clip>((_, reject) => (stop = () => reject(new GenerationCancelled()))),
    );
    runner.cancel = vi.fn(() => stop());
    const { hosts } = backends({
      onnxBytes: vi.fn(
        () => new Promise<Uint8Array>((resolve) => (release = () => resolve(new Uint8Array(1)))),
      ),
      createHost: vi.fn(async () => runner),
    });
    const waiting = hosts.generate(model, 'onnx-wasm', request, () => {});
    await vi.waitFor(() => expect(release).toBeDefined());
    hosts.cancel();
    release();
    await expect(waiting).rejects.toBeInstanceOf(GenerationCancelled);
    expect(runner.generate).not.toHaveBeenCalled();

    const running = hosts.generate(model, 'onnx-wasm', request, () => {});
    await vi.waitFor(() => expect(runner.generate).toHaveBeenCalled());
    hosts.cancel();
    await expect(running).rejects.toBeInstanceOf(GenerationCancelled);
    expect(runner.cancel).toHaveBeenCalledTimes(1);
    hosts.cancel(); // nothing running: a no-op
    expect(runner.cancel).toHaveBeenCalledTimes(1);
  });

  it('times each backend, reporting the ones that fail instead of throwing', async () => {
    const { hosts } = backends({
      createHost: vi.fn(async (_m: HostModel, provider: string) => {
        if (provider === 'webgpu') throw new Error('no adapter for the WebGPU provider');
        return fakeRunner();
      }),
    });
    const timings = await hosts.measure(model, ['wgsl', 'onnx-webgpu', 'onnx-wasm'], async () => 4000);
    expect(timings).toEqual({
      modelId: 'tiny',
      milliseconds: { wgsl: 4000, 'onnx-wasm': 12.5 },
      problems: { 'onnx-webgpu': 'no adapter for the WebGPU provider' },
    });
  });

  it('frees the generators of a model whose bytes were replaced', async () => {
    const { hosts, runners, options } = backends();
    await hosts.host(model, 'onnx-wasm');
    hosts.forget('other');
    await vi.waitFor(() => expect(runners[0]!.dispose).not.toHaveBeenCalled());
    hosts.forget('tiny');
    await vi.waitFor(() => expect(runners[0]!.dispose).toHaveBeenCalled());
    await hosts.host(model, 'onnx-wasm');
    expect(options.createHost).toHaveBeenCalledTimes(2);
  });
});
