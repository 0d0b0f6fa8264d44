// A model's config.json: types, validation and everything derived from it.
// Mirrors training/tessera/config.py rule for rule and message for message; the written
// contract is docs/model-format.md. JSON is snake_case, TypeScript camelCase.

export const MODEL_FORMAT = 'tessera-dit';
export const MODEL_FORMAT_VERSION = 1;
/** Width of the sinusoidal timestep features fed to t_embedder.mlp.0 (DiT's default). */
export const FREQUENCY_DIM = 256;

export type WeightsDtype = 'float16' | 'float32';

export interface AutoencoderConfig {
  readonly latentChannels: number;
  readonly hidden: readonly number[];
  readonly groups: number;
  readonly latentScale: number;
}

export interface TextConfig {
  readonly vocabulary: readonly string[];
  readonly maxTokens: number;
}

export interface ScheduleConfig {
  readonly shift: number;
  readonly defaultSteps: number;
  readonly supportedSteps: readonly number[];
}

/** One latent clip (or pixel clip when the model has no autoencoder). */
export interface LatentShape {
  readonly channels: number;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
}

export interface ModelConfig {
  readonly format: typeof MODEL_FORMAT;
  readonly version: typeof MODEL_FORMAT_VERSION;
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly fps: number;
  readonly autoencoder: AutoencoderConfig | null;
  /** (pt, ph, pw) over the latent. */
  readonly patch: readonly [number, number, number];
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpRatio: number;
  readonly text: TextConfig;
  readonly context: { readonly maxFrames: number };
  readonly objective: 'rectified_flow';
  readonly schedule: ScheduleConfig;
  readonly guidance: { readonly default: number };
  readonly teacher: string | null;
  readonly dtype: WeightsDtype;
  readonly sha256: string;
  readonly license: string;
  readonly trainingData: string;
  /** The folder's model.onnx (onnxruntime backend) and its sha256; null when it ships none. */
  readonly onnx: { readonly sha256: string } | null;

  // ---- derived, never stored ----
  readonly headDim: number;
  /** 2^levels of the autoencoder, 1 without one. */
  readonly downsample: number;
  readonly latent: LatentShape;
  /** Token grid (T/pt, H/ph, W/pw); tokens are in (t, h, w) row-major order. */
  readonly grid: readonly [number, number, number];
  readonly tokens: number;
  /** x_t channels, plus context latent and mask channels when continuation is enabled. */
  readonly inChannels: number;
  readonly outChannels: number;
  /** pt*ph*pw*C: features per token out of final_layer.linear. */
  readonly patchDim: number;
  readonly mlpHidden: number;
  /** Embedding rows: <pad>, <null>, then the vocabulary. */
  readonly vocabSize: number;
}

export class ModelConfigError extends Error {
  override readonly name = 'ModelConfigError';
  /** The JSON path that is wrong, e.g. `patch[1]`; '' for the top level. */
  readonly field: string;
  constructor(field: string, problem: string) {
    super(field ? `${field}: ${problem}` : problem);
    this.field = field;
  }
}

// ---------------------------------------------------------------- field readers

type Json = Record<string, unknown>;

const WORD = /^[a-z]+$/;
const MODEL_ID = /^[a-z0-9][a-z0-9._-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));
const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

function object(
  value: unknown,
  path: string,
  fields: readonly string[],
  optional: readonly string[] = [],
): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelConfigError(path, 'must be an object');
  }
  const keys = Object.keys(value);
  const unknown = keys.filter((k) => !fields.includes(k) && !optional.includes(k));
  if (unknown.length > 0) {
    const names = unknown.map((k) => join(path, k)).join(', ');
    throw new ModelConfigError(path, `unknown field${unknown.length > 1 ? 's' : ''} ${names}`);
  }
  const missing = fields.filter((k) => !keys.includes(k));
  if (missing.length > 0) {
    const names = missing.map((k) => join(path, k)).join(', ');
    throw new ModelConfigError(path, `missing field${missing.length > 1 ? 's' : ''} ${names}`);
  }
  return value as Json;
}

function number(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ModelConfigError(path, `must be a finite number, got ${show(value)}`);
  }
  return value;
}

function int(value: unknown, path: string, minimum = 1): number {
  const n = number(value, path);
  if (!Number.isInteger(n)) throw new ModelConfigError(path, `must be an integer, got ${show(value)}`);
  if (n < minimum) {
    const kind = minimum === 1 ? 'positive' : `>= ${minimum}`;
    throw new ModelConfigError(path, `must be a ${kind} integer, got ${show(value)}`);
  }
  return n;
}

function string(value: unknown, path: string, allowEmpty = false): string {
  if (typeof value !== 'string') throw new ModelConfigError(path, `must be a string, got ${show(value)}`);
  if (!allowEmpty && value === '') throw new ModelConfigError(path, 'must not be empty');
  return value;
}

function literal<T extends string | number>(value: unknown, path: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    const options = allowed.map((a) => JSON.stringify(a)).join(' or ');
    throw new ModelConfigError(path, `must be ${options}, got ${show(value)}`);
  }
  return value as T;
}

function list<T>(
  value: unknown,
  path: string,
  item: (v: unknown, path: string) => T,
  { length, allowEmpty = false }: { length?: number; allowEmpty?: boolean } = {},
): T[] {
  if (!Array.isArray(value)) throw new ModelConfigError(path, `must be a list, got ${show(value)}`);
  if (length !== undefined && value.length !== length) {
    throw new ModelConfigError(path, `must have ${length} entries, got ${value.length}`);
  }
  if (!allowEmpty && value.length === 0) throw new ModelConfigError(path, 'must not be empty');
  return value.map((v, i) => item(v, `${path}[${i}]`));
}

const TOP_FIELDS = [
  'format',
  'version',
  'id',
  'name',
  'description',
  'frames',
  'height',
  'width',
  'channels',
  'fps',
  'autoencoder',
  'patch',
  'dim',
  'depth',
  'heads',
  'mlp_ratio',
  'text',
  'context',
  'objective',
  'schedule',
  'guidance',
  'teacher',
  'dtype',
  'sha256',
  'license',
  'training_data',
] as const;
const OPTIONAL_FIELDS = ['onnx'] as const;

export interface ParseOptions {
  /** A config not yet exported has an empty sha256; a shipped one must carry the hash. */
  readonly requireSha256?: boolean;
}

/** Validates a parsed config.json; throws ModelConfigError naming the field at fault. */
export function parseModelConfig(json: unknown, options: ParseOptions = {}): ModelConfig {
  const o = object(json, '', TOP_FIELDS, OPTIONAL_FIELDS);
  const format = literal(o.format, 'format', [MODEL_FORMAT]);
  const version = literal(o.version, 'version', [MODEL_FORMAT_VERSION]);
  const id = string(o.id, 'id');
  if (!MODEL_ID.test(id)) {
    throw new ModelConfigError(
      'id',
      `${show(id)} must match [a-z0-9][a-z0-9._-]* (it names the model folder)`,
    );
  }
  const sha256 = string(o.sha256, 'sha256', options.requireSha256 === false);
  if (sha256 && !SHA256.test(sha256)) throw new ModelConfigError('sha256', 'must be 64 lowercase hex digits');

  let autoencoder: AutoencoderConfig | null = null;
  if (o.autoencoder !== null) {
    const a = object(o.autoencoder, 'autoencoder', ['latent_channels', 'hidden', 'groups', 'latent_scale']);
    autoencoder = {
      latentChannels: int(a.latent_channels, 'autoencoder.latent_channels'),
      hidden: list(a.hidden, 'autoencoder.hidden', int),
      groups: int(a.groups, 'autoencoder.groups'),
      latentScale: number(a.latent_scale, 'autoencoder.latent_scale'),
    };
    if (autoencoder.latentScale <= 0)
      throw new ModelConfigError('autoencoder.latent_scale', 'must be positive');
  }
  const t = object(o.text, 'text', ['vocabulary', 'max_tokens']);
  const s = object(o.schedule, 'schedule', ['shift', 'default_steps', 'supported_steps']);
  const g = object(o.guidance, 'guidance', ['default']);
  const c = object(o.context, 'context', ['max_frames']);
  const patch = list(o.patch, 'patch', int, { length: 3 });
  let onnx: { sha256: string } | null = null;
  if (o.onnx !== undefined && o.onnx !== null) {
    const x = object(o.onnx, 'onnx', ['sha256']);
    onnx = { sha256: string(x.sha256, 'onnx.sha256') };
    if (!SHA256.test(onnx.sha256))
      throw new ModelConfigError('onnx.sha256', 'must be 64 lowercase hex digits');
  }

  const stored = {
    format,
    version,
    id,
    name: string(o.name, 'name'),
    description: string(o.description, 'description', true),
    frames: int(o.frames, 'frames'),
    height: int(o.height, 'height'),
    width: int(o.width, 'width'),
    channels: int(o.channels, 'channels'),
    fps: int(o.fps, 'fps'),
    autoencoder,
    patch: [patch[0]!, patch[1]!, patch[2]!] as const,
    dim: int(o.dim, 'dim'),
    depth: int(o.depth, 'depth'),
    heads: int(o.heads, 'heads'),
    mlpRatio: int(o.mlp_ratio, 'mlp_ratio'),
    text: {
      vocabulary: list(t.vocabulary, 'text.vocabulary', (v, p) => string(v, p), { allowEmpty: true }),
      maxTokens: int(t.max_tokens, 'text.max_tokens'),
    },
    context: { maxFrames: int(c.max_frames, 'context.max_frames', 0) },
    objective: literal(o.objective, 'objective', ['rectified_flow']),
    schedule: {
      shift: number(s.shift, 'schedule.shift'),
      defaultSteps: int(s.default_steps, 'schedule.default_steps'),
      supportedSteps: list(s.supported_steps, 'schedule.supported_steps', int),
    },
    guidance: { default: number(g.default, 'guidance.default') },
    teacher: o.teacher === null ? null : string(o.teacher, 'teacher'),
    dtype: literal(o.dtype, 'dtype', ['float16', 'float32'] as const),
    sha256,
    license: string(o.license, 'license'),
    trainingData: string(o.training_data, 'training_data'),
    onnx,
  };
  const config = withDerived(stored);
  checkRelations(config);
  return config;
}

type StoredConfig = Omit<
  ModelConfig,
  | 'headDim'
  | 'downsample'
  | 'latent'
  | 'grid'
  | 'tokens'
  | 'inChannels'
  | 'outChannels'
  | 'patchDim'
  | 'mlpHidden'
  | 'vocabSize'
>;

function withDerived(c: StoredConfig): ModelConfig {
  const downsample = c.autoencoder ? 2 ** c.autoencoder.hidden.length : 1;
  const channels = c.autoencoder ? c.autoencoder.latentChannels : c.channels;
  const latent = {
    channels,
    frames: c.frames,
    height: Math.floor(c.height / downsample),
    width: Math.floor(c.width / downsample),
  };
  const [pt, ph, pw] = c.patch;
  const grid = [
    Math.floor(latent.frames / pt),
    Math.floor(latent.height / ph),
    Math.floor(latent.width / pw),
  ] as const;
  return {
    ...c,
    headDim: Math.floor(c.dim / c.heads),
    downsample,
    latent,
    grid,
    tokens: grid[0] * grid[1] * grid[2],
    inChannels: channels + (c.context.maxFrames > 0 ? channels + 1 : 0),
    outChannels: channels,
    patchDim: pt * ph * pw * channels,
    mlpHidden: c.dim * c.mlpRatio,
    vocabSize: c.text.vocabulary.length + 2,
  };
}

function checkRelations(c: ModelConfig): void {
  const seen = new Map<string, number>();
  c.text.vocabulary.forEach((word, i) => {
    const path = `text.vocabulary[${i}]`;
    if (!WORD.test(word))
      throw new ModelConfigError(path, `${show(word)} must be lowercase letters a-z only`);
    const first = seen.get(word);
    if (first !== undefined)
      throw new ModelConfigError(path, `${show(word)} repeats text.vocabulary[${first}]`);
    seen.set(word, i);
  });

  const ae = c.autoencoder;
  if (ae) {
    ae.hidden.forEach((h, i) => {
      if (h % ae.groups) {
        throw new ModelConfigError(
          'autoencoder.groups',
          `${ae.groups} does not divide autoencoder.hidden[${i}] = ${h}`,
        );
      }
    });
    for (const name of ['height', 'width'] as const) {
      if (c[name] % c.downsample) {
        throw new ModelConfigError(
          name,
          `${c[name]} is not divisible by the autoencoder's downsample factor ${c.downsample} (2^${ae.hidden.length})`,
        );
      }
    }
  }

  const where = ae ? 'latent ' : '';
  const sizes = [c.latent.frames, c.latent.height, c.latent.width];
  const what = ['frames', `${where}height`, `${where}width`];
  c.patch.forEach((p, axis) => {
    if (sizes[axis]! % p) {
      throw new ModelConfigError(`patch[${axis}]`, `${p} does not divide the ${what[axis]} ${sizes[axis]}`);
    }
  });

  if (c.dim % c.heads) throw new ModelConfigError('heads', `${c.heads} does not divide dim ${c.dim}`);
  if (c.headDim % 2)
    throw new ModelConfigError('heads', `head_dim = dim / heads = ${c.headDim} must be even`);
  if (c.dim % 16) {
    throw new ModelConfigError(
      'dim',
      `${c.dim} must be a multiple of 16 (the 3-D sincos position embedding splits it into dim/4, 3*dim/8, 3*dim/8 even parts)`,
    );
  }
  if (c.context.maxFrames >= c.frames) {
    throw new ModelConfigError(
      'context.max_frames',
      `${c.context.maxFrames} must be less than frames ${c.frames}`,
    );
  }
  if (c.schedule.shift <= 0) throw new ModelConfigError('schedule.shift', 'must be positive');
  const steps = c.schedule.supportedSteps;
  steps.forEach((n, i) => {
    if (steps.indexOf(n) < i)
      throw new ModelConfigError(`schedule.supported_steps[${i}]`, `${n} is listed twice`);
  });
  if (!steps.includes(c.schedule.defaultSteps)) {
    throw new ModelConfigError(
      'schedule.default_steps',
      `${c.schedule.defaultSteps} is not in schedule.supported_steps [${steps.join(', ')}]`,
    );
  }
  if (c.guidance.default < 0) throw new ModelConfigError('guidance.default', 'must be >= 0');
}

// ---------------------------------------------------------------- expected weights

/** (c_in, c_out) of encoder level i; decoder level i undoes encoder level (levels - 1 - i). */
export function levelChannels(hidden: readonly number[]): [number, number][] {
  return hidden.map((h, i) => [hidden[Math.max(i - 1, 0)]!, h]);
}

/** Every tensor the safetensors file must hold, name → shape, in state-dict order. */
export function expectedTensors(c: ModelConfig): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  const linear = (name: string, inFeatures: number, outFeatures: number): void => {
    out.set(`${name}.weight`, [outFeatures, inFeatures]);
    out.set(`${name}.bias`, [outFeatures]);
  };
  const conv2d = (name: string, cIn: number, cOut: number): void => {
    out.set(`${name}.weight`, [cOut, cIn, 3, 3]);
    out.set(`${name}.bias`, [cOut]);
  };
  const groupNorm = (name: string, channels: number): void => {
    out.set(`${name}.weight`, [channels]);
    out.set(`${name}.bias`, [channels]);
  };
  const D = c.dim;
  out.set('x_embedder.proj.weight', [D, c.inChannels, ...c.patch]);
  out.set('x_embedder.proj.bias', [D]);
  linear('t_embedder.mlp.0', FREQUENCY_DIM, D);
  linear('t_embedder.mlp.2', D, D);
  out.set('y_embedder.embedding_table.weight', [c.vocabSize, D]);
  linear('y_embedder.mlp.0', D, D);
  linear('y_embedder.mlp.2', D, D);
  for (let i = 0; i < c.depth; i++) {
    linear(`blocks.${i}.attn.qkv`, D, 3 * D);
    linear(`blocks.${i}.attn.proj`, D, D);
    linear(`blocks.${i}.mlp.fc1`, D, c.mlpHidden);
    linear(`blocks.${i}.mlp.fc2`, c.mlpHidden, D);
    linear(`blocks.${i}.adaLN_modulation.1`, D, 6 * D);
  }
  linear('final_layer.linear', D, c.patchDim);
  linear('final_layer.adaLN_modulation.1', D, 2 * D);

  const ae = c.autoencoder;
  if (ae) {
    const levels = levelChannels(ae.hidden);
    const first = ae.hidden[0]!;
    const last = ae.hidden[ae.hidden.length - 1]!;
    conv2d('encoder.conv_in', c.channels, first);
    levels.forEach(([cIn, cOut], i) => {
      groupNorm(`encoder.down.${i}.norm`, cIn);
      conv2d(`encoder.down.${i}.conv`, cIn, cOut);
    });
    groupNorm('encoder.norm_out', last);
    conv2d('encoder.conv_out', last, ae.latentChannels);
    conv2d('decoder.conv_in', ae.latentChannels, last);
    [...levels].reverse().forEach(([cOut, cIn], i) => {
      groupNorm(`decoder.up.${i}.norm`, cIn);
      conv2d(`decoder.up.${i}.conv`, cIn, cOut);
    });
    groupNorm('decoder.norm_out', first);
    conv2d('decoder.conv_out', first, c.channels);
  }
  return out;
}

/** The safetensors dtype a config's weights are stored in. */
export function weightsDtype(c: ModelConfig): 'F16' | 'F32' {
  return c.dtype === 'float16' ? 'F16' : 'F32';
}

export class WeightsMismatchError extends Error {
  override readonly name = 'WeightsMismatchError';
  readonly problems: readonly string[];
  constructor(modelId: string, problems: string[]) {
    const shown = problems.slice(0, 20);
    const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : '';
    super(`weights do not match model ${JSON.stringify(modelId)}:\n  ${shown.join('\n  ')}${more}`);
    this.problems = problems;
  }
}

/** The part of a parsed safetensors file checkWeights reads (SafetensorsFile satisfies it). */
export interface WeightsHeader {
  readonly tensors: ReadonlyMap<string, { readonly dtype: string; readonly shape: readonly number[] }>;
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * Checks every tensor name, dtype and shape against the config before anything reaches the
 * GPU; throws WeightsMismatchError listing each missing, unexpected or mis-shaped tensor.
 * `dtype` overrides the config's (e.g. 'F32' for a model.f32.safetensors variant).
 */
export function checkWeights(
  config: ModelConfig,
  file: WeightsHeader,
  dtype: string = weightsDtype(config),
): void {
  const expected = expectedTensors(config);
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const found = file.tensors.get(name);
    if (!found) {
      problems.push(`missing tensor ${name} (expected shape ${shapeText(shape)})`);
      continue;
    }
    if (found.shape.length !== shape.length || found.shape.some((d, i) => d !== shape[i])) {
      problems.push(
        `${name}: shape ${shapeText(found.shape)} in the file, ${shapeText(shape)} expected by the config`,
      );
    }
    if (found.dtype !== dtype) problems.push(`${name}: dtype ${found.dtype} in the file, ${dtype} expected`);
  }
  for (const [name, found] of file.tensors) {
    if (!expected.has(name)) problems.push(`unexpected tensor ${name} (shape ${shapeText(found.shape)})`);
  }
  if (problems.length > 0) throw new WeightsMismatchError(config.id, problems);
}
