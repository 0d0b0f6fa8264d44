// Milliseconds per denoising step and per clip of the whole engine (DiT + sampler + decoder),
// on the adapter at hand: Dawn in Node (lavapipe or SwiftShader here; any Vulkan GPU elsewhere).
// Usage: npx tsx bench/step.ts [model folder = public/models/balls-s-teacher] [--runs 5]
// Warm-up runs are excluded; the table reports medians. Writes bench/results/step.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';

register('./wgsl-loader.mjs', import.meta.url);

const { create, globals } = await import('webgpu');
const { Engine } = await import('../src/engine/engine.ts');
const { acquireGpu } = await import('../src/engine/gpu/device.ts');
const { parseModelConfig } = await import('../src/engine/model/config.ts');
const { ditForwardFlops } = await import('../src/engine/model/flops.ts');

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 5;
const folder = args[0] ?? 'public/models/balls-s-teacher';
if (!existsSync(`${folder}/config.json`)) throw new Error(`no model at ${folder} (config.json missing)`);

for (const driver of ['/usr/share/vulkan/icd.d/lvp_icd.json', '/usr/lib/chromium/vk_swiftshader_icd.json']) {
  if (!process.env.VK_ICD_FILENAMES && existsSync(driver)) process.env.VK_ICD_FILENAMES = driver;
}
Object.assign(globalThis, globals);
const dawn = create([]);
(globalThis as { benchDawn?: GPU }).benchDawn = dawn; // Dawn must outlive its device
const gpu = await acquireGpu(dawn);
const engine = new Engine(() => dawn, gpu);
const configJson = JSON.parse(readFileSync(`${folder}/config.json`, 'utf8'));
const config = parseModelConfig(configJson);
await engine.loadModelFromBytes(configJson, new Uint8Array(readFileSync(`${folder}/model.safetensors`)));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: Record<string, number | string>[] = [];
for (const [guidance, label] of [
  [config.guidance.default === 1 ? 2 : config.guidance.default, 'cfg (batch 2)'],
  [1, 'no cfg (batch 1)'],
] as const) {
  const steps = 4;
  const request = {
    modelId: config.id,
    prompt: 'two balls, big red and small blue, slow, no gravity',
    seed: 1,
    steps,
    guidance,
    preview: 'none' as const,
  };
  await engine.generate(request); // warm-up: pipelines compile, caches fill
  const stepMs: number[] = [];
  const clipMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const clip = await engine.generate(request);
    clipMs.push(clip.milliseconds);
    stepMs.push(...clip.stepMilliseconds);
  }
  const batch = guidance === 1 ? 1 : 2;
  const flops = ditForwardFlops(config, batch).total;
  const ms = median(stepMs);
  rows.push({
    mode: label,
    steps,
    'ms/step': +ms.toFixed(1),
    'ms/clip': +median(clipMs).toFixed(1),
    'GFLOP/step': +(flops / 1e9).toFixed(3),
    'GFLOP/s': +(flops / 1e6 / ms).toFixed(2),
  });
}

const adapter = [gpu.report.vendor, gpu.report.architecture, gpu.report.description]
  .filter(Boolean)
  .join(' / ');
console.log(
  `model ${config.id}: ${config.tokens} tokens, dim ${config.dim}, depth ${config.depth}; adapter: ${adapter}; ${runs} runs after 1 warm-up\n`,
);
console.table(rows);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/step.json',
  JSON.stringify({ model: config.id, adapter, runs, date: new Date().toISOString(), rows }, null, 2) + '\n',
);
engine.destroy();
