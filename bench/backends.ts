// The denoiser backends side by side on one model and the same inputs: milliseconds per DiT
// forward at batch 2 (one guided denoising step) and per 4-step clip, for the WGSL engine
// (Dawn in Node), onnxruntime-web's wasm kernels, its WebGPU provider (on the same Dawn), and
// PyTorch on the CPU as a native reference (training/bench_forward.py).
// Usage: npx tsx bench/backends.ts [model folder = tests/fixtures/generated/balls-s-teacher, written by npm run test:py] [--runs 5] [--clips 2]
// Runs are interleaved across backends, warm-up excluded, medians reported. ORT-WebGPU runs in
// a child process (it needs V8's --liftoff-only, which would slow the wasm backend) beside its
// own WGSL runs, so each ratio compares numbers taken in the same process.
// Writes bench/results/backends.json and the backends section of bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { markdownTable, ratioLines, writeResultsSection } from './results-md.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args.splice(at, 2)[1]) : fallback;
};
const runs = option('--runs', 5);
const clips = option('--clips', 2);
const childAt = args.indexOf('--child');
const child = childAt >= 0;
if (child) args.splice(childAt, 1);
const folder = args[0] ?? 'tests/fixtures/generated/balls-s-teacher';
for (const file of ['config.json', 'model.safetensors', 'model.onnx']) {
  if (!existsSync(`${folder}/${file}`)) {
    throw new Error(
      `no ${file} in ${folder}` +
        (file === 'model.onnx'
          ? ` (python3 training/tessera/export.py --onnx-only --model ${folder} writes it)`
          : ''),
    );
  }
}
// Without it, compiling the 28 MB WebGPU build of onnxruntime stalls Node for a minute or more.
if (child) v8.setFlagsFromString('--liftoff-only');

register('./wgsl-loader.mjs', import.meta.url);
const { create, globals } = await import('webgpu');
const { Engine } = await import('../src/engine/engine.ts');
const { acquireGpu } = await import('../src/engine/gpu/device.ts');
const { parseModelConfig } = await import('../src/engine/model/config.ts');
const { ditForwardFlops } = await import('../src/engine/model/flops.ts');
const { loadWeights } = await import('../src/engine/model/reference/weights.ts');
const { parseSafetensors } = await import('../src/engine/model/safetensors.ts');
const { nullTokens, tokenize } = await import('../src/engine/model/tokenizer.ts');
const { validateRequest } = await import('../src/engine/request.ts');
const { gaussianNoise } = await import('../src/engine/sampler/prng.ts');
const { generateClipWith } = await import('../src/engine/backends/cpu-sampler.ts');
const { OnnxDenoiser } = await import('../src/engine/backends/onnx.ts');
const { WgslDenoiser } = await import('../src/engine/backends/wgsl.ts');
type OrtModule = import('../src/engine/backends/onnx.ts').OrtModule;

for (const driver of ['/usr/share/vulkan/icd.d/lvp_icd.json', '/usr/lib/chromium/vk_swiftshader_icd.json']) {
  if (!process.env.VK_ICD_FILENAMES && existsSync(driver)) process.env.VK_ICD_FILENAMES = driver;
}
Object.assign(globalThis, globals);
const dawn = create([]);
(globalThis as { benchDawn?: GPU }).benchDawn = dawn; // Dawn must outlive its devices
// Dawn in Node refuses writeBuffer from a view of a SharedArrayBuffer, and onnxruntime's
// threaded wasm heap is one: copy such writes (browsers accept them as they are).
const writeBuffer = GPUQueue.prototype.writeBuffer;
GPUQueue.prototype.writeBuffer = function (
  this: GPUQueue,
  buffer: GPUBuffer,
  offset: number,
  data: BufferSource | SharedArrayBuffer,
  dataOffset = 0,
  size?: number,
): undefined {
  const view = ArrayBuffer.isView(data) ? data : null;
  const backing = view ? view.buffer : data;
  if (!(backing instanceof SharedArrayBuffer)) {
    return writeBuffer.call(this, buffer, offset, data as BufferSource, dataOffset, size);
  }
  const unit = view && 'BYTES_PER_ELEMENT' in view ? (view.BYTES_PER_ELEMENT as number) : 1;
  const start = (view?.byteOffset ?? 0) + dataOffset * unit;
  const length =
    size !== undefined ? size * unit : (view?.byteLength ?? backing.byteLength) - dataOffset * unit;
  return writeBuffer.call(this, buffer, offset, new Uint8Array(backing, start, length).slice());
} as GPUQueue['writeBuffer'];

const gpu = await acquireGpu(dawn);
const adapter = [gpu.report.vendor, gpu.report.architecture, gpu.report.description]
  .filter(Boolean)
  .join(' / ');
const configJson: unknown = JSON.parse(readFileSync(`${folder}/config.json`, 'utf8'));
const config = parseModelConfig(configJson);
const weightBytes = new Uint8Array(readFileSync(`${folder}/model.safetensors`));
const onnxBytes = new Uint8Array(readFileSync(`${folder}/model.onnx`));
const STEPS = 4;
const loadStart = +loadavg()[0]!.toFixed(2);
const guidance = config.guidance.default === 1 ? 2 : config.guidance.default;
const prompt = 'two balls, big red and small blue, slow, no gravity';

// One guided step's input: x_t = noise in both rows (no context given), t = 0.75, [cond, uncond].
const { channels: C, frames: T, height: H, width: W } = config.latent;
const perItem = config.inChannels * T * H * W;
const x = new Float32Array(2 * perItem);
const noise = gaussianNoise(1, C * T * H * W);
x.set(noise, 0);
x.set(noise, perItem);
const t = Float32Array.from([0.75, 0.75]);
const tokens = new Int32Array(2 * config.text.maxTokens);
tokens.set(tokenize(prompt, config.text));
tokens.set(nullTokens(config.text.maxTokens), config.text.maxTokens);
const request = validateRequest(
  { modelId: config.id, prompt, seed: 1, steps: STEPS, guidance, preview: 'none' },
  config,
);

interface Backend {
  name: string;
  forward(): Promise<void>;
  clip(): Promise<number[]>;
  dispose(): void;
}

/** The WGSL engine at one precision: f32 (as the ONNX export), or f16 where the adapter has it. */
async function wgslBackend(precision: 'f32' | 'f16' = 'f32'): Promise<Backend> {
  const engine = new Engine(() => dawn, gpu, { precision });
  await engine.loadModelFromBytes(configJson, weightBytes);
  const denoiser = WgslDenoiser.fromBytes(gpu.device, configJson, weightBytes, precision);
  return {
    name: precision === 'f32' ? 'wgsl' : `wgsl-${precision}`,
    forward: async () => void (await denoiser.predict(x, t, tokens)),
    // The engine's own path: sampler and decoder on the GPU, one readback at the end.
    clip: async () => (await engine.generate(request)).stepMilliseconds,
    dispose: () => {
      denoiser.dispose();
      engine.unloadModel(config.id);
    },
  };
}

async function onnxBackend(ort: OrtModule, provider: 'wasm' | 'webgpu'): Promise<Backend> {
  const denoiser = await OnnxDenoiser.create(ort, configJson, onnxBytes, { provider });
  const weights = loadWeights(config, parseSafetensors(weightBytes));
  return {
    name: denoiser.name,
    forward: async () => void (await denoiser.predict(x, t, tokens)),
    // The no-WebGPU path: host sampler over the denoiser, CPU reference decoder.
    clip: async () => (await generateClipWith(denoiser, weights, request)).stepMilliseconds,
    dispose: () => denoiser.dispose(),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
interface Measured {
  forwardMs: number[];
  clipMs: number[];
  clipStepMs: number[];
}

/** Warm-up (2 forwards, 1 clip) per backend, then rounds that visit every backend in turn. */
async function measure(backends: Backend[]): Promise<Map<string, Measured>> {
  const out = new Map(
    backends.map((b) => [b.name, { forwardMs: [], clipMs: [], clipStepMs: [] } as Measured]),
  );
  for (const b of backends) {
    await b.forward();
    await b.forward();
    await b.clip();
  }
  for (let r = 0; r < runs; r++) {
    for (const b of backends) {
      const start = performance.now();
      await b.forward();
      out.get(b.name)!.forwardMs.push(performance.now() - start);
    }
  }
  for (let r = 0; r < clips; r++) {
    for (const b of backends) {
      const start = performance.now();
      const steps = await b.clip();
      const m = out.get(b.name)!;
      m.clipMs.push(performance.now() - start);
      m.clipStepMs.push(...steps);
    }
  }
  return out;
}

const summarise = (m: Measured) => ({
  forwardMs: median(m.forwardMs),
  clipMs: median(m.clipMs),
  clipStepMs: median(m.clipStepMs),
  samples: m.forwardMs.length,
});
type Summary = ReturnType<typeof summarise>;

if (child) {
  // ORT-WebGPU beside the WGSL engine, on the same Dawn instance.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn }, configurable: true });
  const jsep = new URL('../node_modules/onnxruntime-web/dist/ort.bundle.min.mjs', import.meta.url);
  const ort = (await import(jsep.href)) as OrtModule;
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const backends = [await wgslBackend(), await onnxBackend(ort, 'webgpu')];
  const results = await measure(backends);
  const summary = Object.fromEntries([...results].map(([k, v]) => [k, summarise(v)]));
  process.stdout.write(`\nRESULT ${JSON.stringify(summary)}\n`);
  process.exit(0); // onnxruntime's WebGPU build keeps Node alive otherwise
}

// First, while only the WGSL engine has touched the device (later, its timestamp readback aborts).
console.log('profiling one traced WGSL clip (GPU timestamps)...');
const profile = await wgslKernelProfile();

const ort = (await import('onnxruntime-web')) as OrtModule; // in Node: the wasm build
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const hasF16 = gpu.device.features.has('shader-f16');
const backends = [
  await wgslBackend('f32'),
  ...(hasF16 ? [await wgslBackend('f16')] : []),
  await onnxBackend(ort, 'wasm'),
];
console.log(
  `measuring ${backends.map((b) => b.name).join(', ')}: ${runs} forwards and ${clips} clips each, interleaved...`,
);
const main = Object.fromEntries([...(await measure(backends))].map(([k, v]) => [k, summarise(v)]));
for (const b of backends) b.dispose();
gpu.device.destroy();

console.log('measuring onnx-webgpu in a child process...');
let webgpu: Record<string, Summary> | null = null;
let webgpuProblem: string | null = null;
const self = fileURLToPath(import.meta.url);
const spawned = spawnSync(
  process.execPath,
  [...process.execArgv, self, folder, '--child', '--runs', String(runs), '--clips', String(clips)],
  { encoding: 'utf8', timeout: 480_000, env: process.env },
);
const line = spawned.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
if (line) webgpu = JSON.parse(line.slice('RESULT '.length)) as Record<string, Summary>;
else {
  const tail = `${spawned.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
  webgpuProblem = spawned.error
    ? `child failed: ${spawned.error.message}`
    : `child exited ${spawned.status ?? spawned.signal}: ${tail.slice(0, 400)}`;
}

console.log('measuring PyTorch (1 thread)...');
interface TorchTiming {
  median: number;
  torch: string;
  threads: number;
}
let torch = null as TorchTiming | null;
let torchProblem: string | null = null;
const scratch = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
try {
  const inputs = join(scratch, 'forward.bin');
  writeFileSync(
    inputs,
    Buffer.concat([x, t, tokens].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))),
  );
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const result = spawnSync(
    python,
    [
      'training/bench_forward.py',
      '--model',
      folder,
      '--inputs',
      inputs,
      '--runs',
      String(runs),
      '--threads',
      '1',
    ],
    {
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, OMP_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' },
    },
  );
  const out = result.stdout?.trim().split('\n').pop();
  if (result.status === 0 && out) torch = JSON.parse(out) as TorchTiming;
  else torchProblem = `${python} exited ${result.status}: ${(result.stderr ?? '').trim().split('\n').pop()}`;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/** Where a WGSL step's GPU time goes: per-kernel GPU timestamps of one traced clip, per step. */
async function wgslKernelProfile(): Promise<{ kernel: string; calls: number; ms: number; share: number }[]> {
  if (!gpu.device.features.has('timestamp-query')) return [];
  const engine = new Engine(() => dawn, gpu, { precision: 'f32' });
  await engine.loadModelFromBytes(configJson, weightBytes);
  const totals = new Map<string, { calls: number; ms: number }>();
  await engine.generate({ ...request, trace: true, preview: 'none' }, (event) => {
    for (const k of event.kernels ?? []) {
      const total = totals.get(k.kernel) ?? { calls: 0, ms: 0 };
      totals.set(k.kernel, { calls: total.calls + k.calls, ms: total.ms + k.milliseconds });
    }
  });
  engine.unloadModel(config.id);
  const sum = [...totals.values()].reduce((a, k) => a + k.ms, 0);
  return [...totals]
    .map(([kernel, k]) => ({
      kernel,
      calls: k.calls / STEPS,
      ms: +(k.ms / STEPS).toFixed(2),
      share: +((100 * k.ms) / sum).toFixed(1),
    }))
    .sort((a, b) => b.ms - a.ms);
}

// ---------------------------------------------------------------------------------------------
const flops = ditForwardFlops(config, 2).total;
const gflops = (ms: number) => +(flops / 1e6 / ms).toFixed(2);
const round = (ms: number) => +ms.toFixed(1);
const wgsl = main['wgsl']!;
const wasm = main['onnx-wasm']!;
const gpuOrt = webgpu?.['onnx-webgpu'];
const gpuWgsl = webgpu?.['wgsl'];
const rows: Record<string, string | number>[] = [
  {
    backend: 'wgsl f32 (Dawn)',
    'ms/forward B=2': round(wgsl.forwardMs),
    'GFLOP/s': gflops(wgsl.forwardMs),
    'ms/step in clip': round(wgsl.clipStepMs),
    'ms/clip (4 steps)': round(wgsl.clipMs),
    'clip path': 'GPU sampler + GPU decoder',
  },
  ...(main['wgsl-f16']
    ? [
        {
          backend: 'wgsl f16 (Dawn)',
          'ms/forward B=2': round(main['wgsl-f16'].forwardMs),
          'GFLOP/s': gflops(main['wgsl-f16'].forwardMs),
          'ms/step in clip': round(main['wgsl-f16'].clipStepMs),
          'ms/clip (4 steps)': round(main['wgsl-f16'].clipMs),
          'clip path': 'GPU sampler + GPU decoder',
        },
      ]
    : []),
  {
    backend: 'onnxruntime-web wasm (1 thread)',
    'ms/forward B=2': round(wasm.forwardMs),
    'GFLOP/s': gflops(wasm.forwardMs),
    'ms/step in clip': round(wasm.clipStepMs),
    'ms/clip (4 steps)': round(wasm.clipMs),
    'clip path': 'host sampler + CPU reference decoder',
  },
];
if (gpuOrt && gpuWgsl) {
  rows.push({
    backend: 'onnxruntime-web webgpu (Dawn)',
    'ms/forward B=2': round(gpuOrt.forwardMs),
    'GFLOP/s': gflops(gpuOrt.forwardMs),
    'ms/step in clip': round(gpuOrt.clipStepMs),
    'ms/clip (4 steps)': round(gpuOrt.clipMs),
    'clip path': 'host sampler + CPU reference decoder',
  });
}
if (torch) {
  rows.push({
    backend: `pytorch ${torch.torch} cpu (${torch.threads} thread)`,
    'ms/forward B=2': round(torch.median),
    'GFLOP/s': gflops(torch.median),
    'ms/step in clip': '-',
    'ms/clip (4 steps)': '-',
    'clip path': 'forward only',
  });
}
const ratios = {
  'wgsl/onnx-wasm (forward)': +(wgsl.forwardMs / wasm.forwardMs).toFixed(2),
  'wgsl/onnx-wasm (clip)': +(wgsl.clipMs / wasm.clipMs).toFixed(2),
  ...(main['wgsl-f16']
    ? { 'wgsl-f16/onnx-wasm (forward)': +(main['wgsl-f16'].forwardMs / wasm.forwardMs).toFixed(2) }
    : {}),
  ...(gpuOrt && gpuWgsl
    ? {
        'wgsl/onnx-webgpu (forward)': +(gpuWgsl.forwardMs / gpuOrt.forwardMs).toFixed(2),
        'wgsl/onnx-webgpu (clip)': +(gpuWgsl.clipMs / gpuOrt.clipMs).toFixed(2),
      }
    : {}),
  ...(torch ? { 'wgsl/pytorch-1-thread (forward)': +(wgsl.forwardMs / torch.median).toFixed(2) } : {}),
};
const header =
  `model ${config.id}: ${config.tokens} tokens, dim ${config.dim}, depth ${config.depth}; ` +
  `${(flops / 1e9).toFixed(3)} GFLOP per forward at batch 2; adapter: ${adapter}; ` +
  `${runs} forwards and ${clips} clips per backend after warm-up, interleaved, medians`;
console.log(`\n${header}\n`);
console.table(rows);
console.table(ratios);
if (profile.length > 0) {
  console.log('WGSL, per guided step, by kernel (GPU timestamps):');
  console.table(profile);
}
if (webgpuProblem) console.log(`onnx-webgpu: not measured: ${webgpuProblem}`);
if (torchProblem) console.log(`pytorch: not measured: ${torchProblem}`);

const record = {
  model: config.id,
  adapter,
  date: new Date().toISOString(),
  runs,
  clips,
  steps: STEPS,
  guidance,
  flopsPerForward: flops,
  node: process.version,
  /** 1-minute load average before and after: other work on the machine skews every number. */
  loadAverage: [loadStart, +loadavg()[0]!.toFixed(2)],
  rows,
  ratios,
  /** The WGSL f32 step by kernel: ms and calls per guided step, share of the step's GPU time. */
  profile,
  raw: { main, webgpuChild: webgpu, torch },
  notes: {
    webgpu: webgpuProblem ?? 'child process with --liftoff-only; ratio against WGSL runs in that process',
    torch: torchProblem ?? 'OMP_NUM_THREADS=1, torch.set_num_threads(1): one thread, as the wasm backend',
  },
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/backends.json', JSON.stringify(record, null, 2) + '\n');
writeBackendsSection(record);

function writeBackendsSection(r: typeof record): void {
  const table = markdownTable(r.rows);
  writeResultsSection('backends', 'bench/backends.ts', [
    '## Denoiser backends (`npx tsx bench/backends.ts`)',
    '',
    `${r.date.slice(0, 10)}, model \`${r.model}\` (${config.tokens} tokens, dim ${config.dim}, depth ` +
      `${config.depth}), ${(r.flopsPerForward / 1e9).toFixed(3)} GFLOP per forward at batch 2 ` +
      `(one guided step). Adapter: ${r.adapter}; Node ${r.node}. ${r.runs} forwards and ${r.clips} ` +
      `4-step clips (guidance ${r.guidance}) per backend after warm-up, interleaved; medians.`,
    '',
    table,
    '',
    ratioLines(r.ratios),
    '',
    ...(r.profile.length > 0
      ? [
          'Where a WGSL f32 step goes (GPU timestamps of one traced 4-step clip, per step):',
          '',
          '| kernel | calls | ms | share |',
          '|---|---|---|---|',
          ...r.profile.map((k) => `| \`${k.kernel}\` | ${k.calls} | ${k.ms} | ${k.share}% |`),
          '',
        ]
      : []),
    'This machine has no GPU: the WebGPU rows run on a CPU Vulkan driver, so their milliseconds',
    'are CPU-driver numbers; only the ratios between backends on the same adapter carry over.',
    'lavapipe spreads each dispatch over all cores while the wasm and PyTorch rows use one thread,',
    `and other work shared the cores (1-minute load average ${r.loadAverage.join(' → ')}), so`,
    'the WebGPU rows in particular vary between runs.',
    'WGSL runs at f32 (the precision of model.onnx; the ratios use it) and, where the adapter has',
    "shader-f16, at f16 (the engine's default there).",
    '"ms/forward" includes uploading the inputs and reading the velocity back. The WGSL clip is',
    "the engine's own path (sampler and decoder on the GPU); the ONNX clips use the host sampler",
    'and the float64 CPU reference decoder, the path for browsers without WebGPU.',
    `onnx-webgpu: ${r.notes.webgpu}. PyTorch: ${r.notes.torch}.`,
  ]);
}
