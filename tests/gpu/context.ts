import { acquireGpu, type Gpu } from '../../src/engine/gpu/device.ts';

let shared: Promise<Gpu> | null = null;

/** The one device every GPU test file shares (creating Dawn devices is slow on CPU drivers). */
export function testGpu(): Promise<Gpu> {
  shared ??= acquireGpu(globalThis.tesseraDawn).then((gpu) => {
    const { vendor, architecture, device, description } = gpu.report;
    console.info(
      `[gpu] adapter: ${[vendor, architecture, device, description].filter(Boolean).join(' / ')}` +
        ` (${gpu.report.precision})`,
    );
    return gpu;
  });
  return shared;
}
