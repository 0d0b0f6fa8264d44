import { AdapterUnavailableError, DeviceLostError, WebGPUUnavailableError } from '../errors.ts';

/** The limits the status panel shows and the engine checks at load. */
export const REPORTED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export type ReportedLimit = (typeof REPORTED_LIMITS)[number];

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  limits: Record<ReportedLimit, number>;
  /** f16 weights and math are used when the adapter has `shader-f16`. */
  precision: 'f16' | 'f32';
}

export interface Gpu {
  adapter: GPUAdapter;
  device: GPUDevice;
  report: AdapterReport;
}

/** Features the engine uses when present; none is required. */
const OPTIONAL_FEATURES: GPUFeatureName[] = ['shader-f16', 'timestamp-query', 'subgroups'];

/**
 * Requests an adapter and a device with the adapter's full limits for storage buffers
 * (the defaults, 128 MiB bindings, are too small for large weight tensors).
 * `onLost` hears about a lost device unless it was destroyed on purpose.
 */
export async function acquireGpu(
  gpu: GPU | undefined,
  onLost: (error: DeviceLostError) => void = () => {},
): Promise<Gpu> {
  if (!gpu) throw new WebGPUUnavailableError();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new AdapterUnavailableError();

  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const name of REPORTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({
    label: 'tessera',
    requiredFeatures,
    requiredLimits,
  });
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') onLost(new DeviceLostError(info.reason, info.message));
  });
  return { adapter, device, report: describeAdapter(adapter, device) };
}

export function describeAdapter(adapter: GPUAdapter, device: GPUDevice): AdapterReport {
  const info = adapter.info;
  const limits = {} as Record<ReportedLimit, number>;
  for (const name of REPORTED_LIMITS) limits[name] = device.limits[name];
  const features = [...device.features].sort();
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    // Older implementations report this on the adapter rather than on its info.
    isFallbackAdapter: Boolean(
      (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter,
    ),
    features,
    limits,
    precision: device.features.has('shader-f16') ? 'f16' : 'f32',
  };
}
