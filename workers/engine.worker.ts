// The engine's worker: owns the GPUDevice; the page talks to it only through comlink.
import * as Comlink from 'comlink';
import { acquireGpu, type AdapterReport, type Gpu } from '../src/engine/gpu/device.ts';
import { runSelfTest, type SelfTestResult } from '../src/engine/self-test.ts';

export type GpuStatus =
  | { ok: true; adapter: AdapterReport; selfTest: SelfTestResult }
  | { ok: false; error: { name: string; message: string } };

let gpu: Promise<Gpu> | null = null;

function device(): Promise<Gpu> {
  gpu ??= acquireGpu(self.navigator.gpu, () => {
    gpu = null; // the next call rebuilds the device
  }).catch((error: unknown) => {
    gpu = null;
    throw error;
  });
  return gpu;
}

const api = {
  /** Acquires the device, reports the adapter and runs one kernel against its CPU reference. */
  async gpuStatus(): Promise<GpuStatus> {
    try {
      const { device: d, report } = await device();
      return { ok: true, adapter: report, selfTest: await runSelfTest(d) };
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      return { ok: false, error: { name, message } };
    }
  },
};

export type EngineApi = typeof api;

Comlink.expose(api);
