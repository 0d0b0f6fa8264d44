import { describe, expect, it } from 'vitest';
import type { GpuStatus } from '../../../workers/engine.worker.ts';
import {
  decide,
  DECISIONS_KEY,
  deviceKey,
  pickFastest,
  readDecisions,
  resolveChoice,
  writeDecision,
  type AutoDecision,
} from '../../../src/app/lib/backend-choice.ts';

function gpu(description: string, isFallbackAdapter = false): GpuStatus {
  return {
    ok: true,
    adapter: {
      vendor: 'google',
      architecture: 'swiftshader',
      device: '',
      description,
      isFallbackAdapter,
      features: [],
      limits: {} as never,
      precision: 'f32',
    },
    selfTest: {} as never,
  };
}

function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

const decision: AutoDecision = {
  pick: 'onnx-wasm',
  milliseconds: { wgsl: 4900, 'onnx-webgpu': 4100, 'onnx-wasm': 118 },
  problems: {},
  modelId: 'balls-s',
  measuredAt: 1000,
};

describe('deviceKey', () => {
  it('names the adapter, marks a software fallback, and has one key for no WebGPU', () => {
    expect(deviceKey(gpu('Vulkan: SwiftShader'))).toBe('webgpu:google|swiftshader||Vulkan: SwiftShader');
    expect(deviceKey(gpu('x', true))).toBe('webgpu:google|swiftshader||x|fallback');
    expect(deviceKey(gpu('a'))).not.toBe(deviceKey(gpu('b')));
    expect(deviceKey(null)).toBe('no-webgpu');
    expect(deviceKey({ ok: false, error: { name: 'WebGPUUnavailableError', message: '' } })).toBe(
      'no-webgpu',
    );
  });
});

describe('pickFastest and decide', () => {
  it('picks the smallest time, ties to the earlier backend, and ignores what is not a time', () => {
    expect(pickFastest({ wgsl: 30, 'onnx-webgpu': 20, 'onnx-wasm': 25 })).toBe('onnx-webgpu');
    expect(pickFastest({ 'onnx-wasm': 5, wgsl: 5 })).toBe('wgsl');
    expect(pickFastest({ wgsl: Number.NaN, 'onnx-wasm': -1, 'onnx-webgpu': 9 })).toBe('onnx-webgpu');
    expect(pickFastest({})).toBeNull();
  });

  it('keeps the numbers and the problems, and makes no decision from nothing', () => {
    const made = decide(
      { modelId: 'm', milliseconds: { wgsl: 10, 'onnx-wasm': 3 }, problems: { 'onnx-webgpu': 'no adapter' } },
      42,
    );
    expect(made).toEqual({
      pick: 'onnx-wasm',
      milliseconds: { wgsl: 10, 'onnx-wasm': 3 },
      problems: { 'onnx-webgpu': 'no adapter' },
      modelId: 'm',
      measuredAt: 42,
    });
    expect(decide({ modelId: 'm', milliseconds: {}, problems: { wgsl: 'lost' } })).toBeNull();
  });
});

describe('resolveChoice', () => {
  const all = ['wgsl', 'onnx-webgpu', 'onnx-wasm'] as const;
  it('passes an explicit choice through, even one the worker will refuse', () => {
    expect(resolveChoice('onnx-webgpu', all, null)).toEqual({ backend: 'onnx-webgpu', measure: false });
    expect(resolveChoice('wgsl', ['onnx-wasm'], null)).toEqual({ backend: 'wgsl', measure: false });
  });
  it('auto: the only backend without measuring, the remembered pick, else measures', () => {
    expect(resolveChoice('auto', ['onnx-wasm'], null)).toEqual({ backend: 'onnx-wasm', measure: false });
    expect(resolveChoice('auto', [], null)).toEqual({ backend: null, measure: false });
    expect(resolveChoice('auto', all, decision)).toEqual({ backend: 'onnx-wasm', measure: false });
    expect(resolveChoice('auto', all, null)).toEqual({ backend: null, measure: true });
    // A pick this model cannot run here (a model without model.onnx) is measured again.
    expect(resolveChoice('auto', ['wgsl', 'onnx-webgpu'], decision)).toEqual({
      backend: null,
      measure: true,
    });
  });
});

describe('remembered decisions', () => {
  it('round-trips per device key and forgets one without touching the others', () => {
    const storage = memoryStorage();
    expect(writeDecision(storage, 'webgpu:a', decision)).toBe(true);
    expect(
      writeDecision(storage, 'no-webgpu', {
        ...decision,
        pick: 'onnx-wasm',
        milliseconds: { 'onnx-wasm': 200 },
      }),
    ).toBe(true);
    expect(readDecisions(storage)['webgpu:a']).toEqual(decision);
    expect(Object.keys(readDecisions(storage))).toEqual(['webgpu:a', 'no-webgpu']);
    writeDecision(storage, 'webgpu:a', null);
    expect(Object.keys(readDecisions(storage))).toEqual(['no-webgpu']);
  });

  it('drops what it did not write: bad JSON, unknown backends, a pick without its time', () => {
    expect(readDecisions(memoryStorage({ [DECISIONS_KEY]: '{not json' }))).toEqual({});
    expect(readDecisions(memoryStorage({ [DECISIONS_KEY]: '[1, 2]' }))).toEqual({});
    const stored = {
      good: decision,
      unknownPick: { ...decision, pick: 'webgl' },
      noTime: { ...decision, milliseconds: { wgsl: 1 } },
      junk: 7,
      extraBackend: { ...decision, milliseconds: { ...decision.milliseconds, webgl: 3 } },
    };
    const read = readDecisions(memoryStorage({ [DECISIONS_KEY]: JSON.stringify(stored) }));
    expect(Object.keys(read)).toEqual(['good', 'extraBackend']);
    expect(read.extraBackend!.milliseconds).toEqual(decision.milliseconds);
    expect(readDecisions(null)).toEqual({});
  });

  it('says when storage refused the write', () => {
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    };
    expect(writeDecision(full, 'k', decision)).toBe(false);
    expect(writeDecision(null, 'k', decision)).toBe(false);
  });
});
