// A lost device (driver reset, GPU process crash) is named, and the next call starts a new one.
// Dawn cannot be made to lose a device on demand, so the adapter here hands out real devices
// whose `lost` promise the test resolves itself; everything else is the real device.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine, ModelNotLoadedError } from '../../src/engine/engine.ts';
import { DeviceLostError } from '../../src/engine/errors.ts';
import { FIXTURES } from '../unit/model/golden-helpers.ts';

const folder = new URL('tiny/', FIXTURES);
const configJson = JSON.parse(readFileSync(new URL('config.json', folder), 'utf8'));
const weightBytes = new Uint8Array(readFileSync(new URL('model.safetensors', folder)));
const request = { modelId: 'tiny', prompt: 'red ball', seed: 1, steps: 2, guidance: 1 };

/** navigator.gpu whose devices can be lost on purpose: `lose(i)` loses the i-th device made. */
function losableGpu(real: GPU) {
  const devices: GPUDevice[] = [];
  const losers: ((info: GPUDeviceLostInfo) => void)[] = [];
  const gpu = {
    async requestAdapter(options?: GPURequestAdapterOptions) {
      const adapter = await real.requestAdapter(options);
      if (!adapter) return null;
      return new Proxy(adapter, {
        get(target, key) {
          if (key === 'requestDevice') {
            return async (descriptor?: GPUDeviceDescriptor) => {
              const device = await target.requestDevice(descriptor);
              const lost = new Promise<GPUDeviceLostInfo>((resolve) => losers.push(resolve));
              devices.push(device);
              return new Proxy(device, {
                get(d, k) {
                  if (k === 'lost') return lost;
                  const value = Reflect.get(d, k, d) as unknown;
                  return typeof value === 'function' ? value.bind(d) : value;
                },
              });
            };
          }
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
  } as unknown as GPU;
  const lose = (i: number) => {
    losers[i]!({ reason: 'unknown', message: 'the driver was reset' } as GPUDeviceLostInfo);
    devices[i]!.destroy();
  };
  return { gpu, devices, lose };
}

describe('a lost device', () => {
  it('is reported by name, and the next load and generation run on a new device', async () => {
    const { gpu, devices, lose } = losableGpu(globalThis.tesseraDawn!);
    const engine = new Engine(() => gpu, undefined, { precision: 'f32' });
    await engine.loadModelFromBytes(configJson, weightBytes);
    const before = await engine.generate(request);
    expect(engine.stats().deviceState).toBe('ready');

    lose(0);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(engine.stats()).toMatchObject({ deviceState: 'lost', loadedModels: [] });
    expect(engine.lastLoss).toBeInstanceOf(DeviceLostError);
    expect(engine.lastLoss!.message).toMatch(/GPU device was lost \(unknown: the driver was reset\)/);
    await expect(engine.generate(request)).rejects.toBeInstanceOf(ModelNotLoadedError);

    // What the worker does next: load again from the bytes it kept; a second device appears.
    await engine.loadModelFromBytes(configJson, weightBytes);
    expect(devices).toHaveLength(2);
    expect(engine.stats().deviceState).toBe('ready');
    const after = await engine.generate(request);
    expect(after.rgba).toEqual(before.rgba);
    engine.destroy();
  });
});
