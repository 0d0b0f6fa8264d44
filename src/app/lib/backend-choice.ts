// 'auto' as the page decides it: on first use per device, the worker times one forward of each
// backend that can run the model here; the fastest is remembered in localStorage under a key
// naming the adapter, so the next visit on the same device picks it without measuring.
import type { GpuStatus } from '../../../workers/engine.worker.ts';
import { BACKENDS, type Backend, type BackendChoice } from '../../engine/protocol.ts';

export const DECISIONS_KEY = 'tessera-backend-auto';

/** What auto measured on one device, and what it picked. */
export interface AutoDecision {
  pick: Backend;
  /** Median ms of one guided step's forward per backend measured. */
  milliseconds: Partial<Record<Backend, number>>;
  /** Backends that could not be measured, with why. */
  problems: Partial<Record<Backend, string>>;
  /** The model it was measured on. */
  modelId: string;
  /** Milliseconds since the epoch. */
  measuredAt: number;
}

export interface Measurement {
  modelId: string;
  milliseconds: Partial<Record<Backend, number>>;
  problems: Partial<Record<Backend, string>>;
}

/**
 * The device a decision belongs to: the adapter's vendor, architecture, device and description
 * (what the browser says of it), or 'no-webgpu' where no adapter was granted.
 */
export function deviceKey(gpu: GpuStatus | null): string {
  if (!gpu?.ok) return 'no-webgpu';
  const { vendor, architecture, device, description, isFallbackAdapter } = gpu.adapter;
  const name = [vendor, architecture, device, description].map((part) => part.trim()).join('|');
  return `webgpu:${name}${isFallbackAdapter ? '|fallback' : ''}`;
}

/** The fastest measured backend; ties go to the earlier in BACKENDS. Null when none was measured. */
export function pickFastest(milliseconds: Partial<Record<Backend, number>>): Backend | null {
  let best: Backend | null = null;
  for (const backend of BACKENDS) {
    const ms = milliseconds[backend];
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) continue;
    if (best === null || ms < milliseconds[best]!) best = backend;
  }
  return best;
}

/** A measurement's decision, or null when no backend could be measured. */
export function decide(measurement: Measurement, now = Date.now()): AutoDecision | null {
  const pick = pickFastest(measurement.milliseconds);
  if (pick === null) return null;
  return {
    pick,
    milliseconds: { ...measurement.milliseconds },
    problems: { ...measurement.problems },
    modelId: measurement.modelId,
    measuredAt: now,
  };
}

/**
 * What a run uses: the user's explicit backend as it is; for 'auto', the remembered pick when
 * it can run this model here, else the first that can (null: measure first, or none can run).
 */
export function resolveChoice(
  choice: BackendChoice,
  available: readonly Backend[],
  remembered: AutoDecision | null,
): { backend: Backend | null; measure: boolean } {
  if (choice !== 'auto') return { backend: choice, measure: false };
  if (available.length <= 1) return { backend: available[0] ?? null, measure: false };
  if (remembered && available.includes(remembered.pick)) return { backend: remembered.pick, measure: false };
  return { backend: null, measure: true };
}

function isBackend(value: unknown): value is Backend {
  return (BACKENDS as readonly unknown[]).includes(value);
}

function parseDecision(value: unknown): AutoDecision | null {
  if (typeof value !== 'object' || value === null) return null;
  const d = value as Record<string, unknown>;
  if (!isBackend(d.pick) || typeof d.modelId !== 'string' || typeof d.measuredAt !== 'number') return null;
  const numbers: Partial<Record<Backend, number>> = {};
  const problems: Partial<Record<Backend, string>> = {};
  for (const [key, ms] of Object.entries((d.milliseconds ?? {}) as Record<string, unknown>)) {
    if (isBackend(key) && typeof ms === 'number' && Number.isFinite(ms)) numbers[key] = ms;
  }
  for (const [key, why] of Object.entries((d.problems ?? {}) as Record<string, unknown>)) {
    if (isBackend(key) && typeof why === 'string') problems[key] = why;
  }
  if (numbers[d.pick] === undefined) return null;
  return { pick: d.pick, milliseconds: numbers, problems, modelId: d.modelId, measuredAt: d.measuredAt };
}

/** Every remembered decision, by device key; anything malformed is dropped. */
export function readDecisions(storage: Pick<Storage, 'getItem'> | null): Record<string, AutoDecision> {
  let raw: unknown;
  try {
    raw = JSON.parse(storage?.getItem(DECISIONS_KEY) ?? '{}');
  } catch {
    return {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const out: Record<string, AutoDecision> = {};
  for (const [key, value] of Object.entries(raw)) {
    const decision = parseDecision(value);
    if (decision) out[key] = decision;
  }
  return out;
}

/** Stores (or, with null, forgets) the decision for one device; false when storage refused. */
export function writeDecision(
  storage: Pick<Storage, 'getItem' | 'setItem'> | null,
  key: string,
  decision: AutoDecision | null,
): boolean {
  const all = readDecisions(storage);
  if (decision) all[key] = decision;
  else delete all[key];
  try {
    storage?.setItem(DECISIONS_KEY, JSON.stringify(all));
    return storage !== null;
  } catch {
    return false;
  }
}

/** A backend as people read it. */
export const BACKEND_LABELS: Record<BackendChoice, string> = {
  auto: 'Auto (fastest measured on this device)',
  wgsl: 'WGSL engine (WebGPU)',
  'onnx-webgpu': 'onnxruntime-web, WebGPU',
  'onnx-wasm': 'onnxruntime-web, wasm (CPU)',
};
