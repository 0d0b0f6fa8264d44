// The denoiser backends as the app runs them, in headless Chromium: the built app drives its own
// worker, so these are the numbers a visitor's browser gives, in the format of bench/backends.ts.
//   ms/forward  the app's own timing ('Measure again' under Backend: timeForward, one guided
//               forward at batch 2 after a warm-up one), repeated --runs times, medians
//   ms/clip     a 4-step clip of the default model at guidance 2 (batch 2, as bench/backends.ts),
//               generated from the Create form on each backend in turn, --clips times after one
//               warm-up clip each; the time the worker reports (clip.milliseconds), x0 previews on
// Usage: npx vite build && npx tsx bench/backends-browser.ts [--runs 3] [--clips 2]
// Writes bench/results/backends-browser.json and its section of bench/RESULTS.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { markdownTable, ratioLines, writeResultsSection } from './results-md.ts';
import { parseModelConfig } from '../src/engine/model/config.ts';
import { ditForwardFlops } from '../src/engine/model/flops.ts';
import { BACKENDS, type Backend } from '../src/engine/protocol.ts';
import { serveStatic } from '../scripts/serve.mjs';
import { openBrowser } from '../tests/e2e/browser.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const runs = option('--runs', 3);
const clips = option('--clips', 2);
const STEPS = 4;
const GUIDANCE = 2;
const PROMPT = 'two balls, big red and small blue, slow, no gravity';

if (!existsSync('dist/index.html')) throw new Error('dist/ is missing: run `npx vite build` first');
interface Catalogue {
  models: { id: string; path: string; default?: boolean }[];
}
const catalogue = JSON.parse(readFileSync('dist/models/index.json', 'utf8')) as Catalogue;
const entry = catalogue.models.find((m) => m.default) ?? catalogue.models[0]!;
const config = parseModelConfig(JSON.parse(readFileSync(`dist/${entry.path}config.json`, 'utf8')));
const loadStart = +loadavg()[0]!.toFixed(2);

const server = await serveStatic('dist', { port: 0 });
const session = await openBrowser({ backend: 'wgsl' });
const { page } = session;

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}\n${session.console.slice(-10).join('\n')}`);
    await page.waitForTimeout(250);
  }
}

/** The newest clip's wall time and backend, from the Gallery's IndexedDB store. */
function newestClip(p: Page): Promise<{ count: number; milliseconds: number; backend: string } | null> {
  return p.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'tessera-gallery')) return null;
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('tessera-gallery');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const all = open.result.transaction('clips').objectStore('clips').getAll();
        all.onsuccess = () => {
          const records = all.result as {
            createdAt: number;
            milliseconds: number;
            params: { backend: string };
          }[];
          open.result.close();
          const newest = records.sort((a, b) => b.createdAt - a.createdAt)[0];
          resolve(
            newest
              ? { count: records.length, milliseconds: newest.milliseconds, backend: newest.params.backend }
              : null,
          );
        };
        all.onerror = () => reject(all.error);
      };
    });
  });
}

async function generateOn(backend: Backend): Promise<number> {
  await page.getByTestId('backend-select').selectOption(backend);
  const before = (await newestClip(page))?.count ?? 0;
  await page.getByTestId('generate').click();
  const clip = await waitFor(
    `a clip on ${backend}`,
    async () => {
      if (await page.getByTestId('generate-error').count()) {
        throw new Error(`${backend}: ${await page.getByTestId('generate-error').textContent()}`);
      }
      const newest = await newestClip(page);
      return newest && newest.count > before ? newest : null;
    },
    600_000,
  );
  if (clip.backend !== backend) throw new Error(`asked for ${backend}, the clip says ${clip.backend}`);
  return clip.milliseconds;
}

/** One 'Measure again': the app times every backend that can run the model here. */
async function measureOnce(): Promise<Record<string, number>> {
  const before = await page.evaluate(() => localStorage.getItem('tessera-backend-auto'));
  await page.getByTestId('backend-measure').click();
  const stored = await waitFor(
    'the backend measurement',
    async () => {
      if (await page.getByTestId('backend-error').count()) {
        throw new Error(`measurement: ${await page.getByTestId('backend-error').textContent()}`);
      }
      const now = await page.evaluate(() => localStorage.getItem('tessera-backend-auto'));
      return now !== null && now !== before ? now : null;
    },
    600_000,
  );
  const decisions = JSON.parse(stored) as Record<
    string,
    { milliseconds: Record<string, number>; problems: Record<string, string> }
  >;
  const decision = Object.values(decisions)[0]!;
  for (const [backend, why] of Object.entries(decision.problems))
    console.log(`  ${backend}: not measured: ${why}`);
  return decision.milliseconds;
}

const query = new URLSearchParams({
  prompt: PROMPT,
  seed: '1',
  steps: String(STEPS),
  guidance: String(GUIDANCE),
  model: entry.id,
});
await page.goto(`${server.url}?${query}#/create`);
await waitFor(
  `model ${entry.id}`,
  async () => (/loaded/.test((await page.getByTestId('status-model').textContent()) ?? '') ? true : null),
  180_000,
);
// Previews of x0 only (no trace): what every generation decodes, on the GPU or on the CPU.
await page.getByLabel(/Record a trace/).uncheck();
await page.getByTestId('advanced').locator('summary').click();
const adapter = await page.evaluate(async () => {
  const found = await navigator.gpu?.requestAdapter();
  if (!found) return 'no WebGPU adapter';
  const { vendor, architecture, description } = found.info;
  return [vendor, architecture, description].filter(Boolean).join(' / ');
});
const precision = (
  (await page.getByTestId('status-precision').count())
    ? await page.getByTestId('status-precision').textContent()
    : 'none'
)!.trim();
const userAgent = await page.evaluate(() => navigator.userAgent);

const available = BACKENDS.filter((b) => b === 'wgsl' || config.onnx !== null);
console.log(`warm-up: one clip per backend (${available.join(', ')})...`);
for (const backend of available) await generateOn(backend);

const forwardMs: Record<string, number[]> = {};
console.log(`measuring ${runs} forwards per backend (the app's Measure again)...`);
for (let r = 0; r < runs; r++) {
  for (const [backend, ms] of Object.entries(await measureOnce())) (forwardMs[backend] ??= []).push(ms);
}
const clipMs: Record<string, number[]> = {};
console.log(`measuring ${clips} clips per backend, interleaved...`);
for (let r = 0; r < clips; r++) {
  for (const backend of available) (clipMs[backend] ??= []).push(await generateOn(backend));
}
await session.close();
await server.close();

// ---------------------------------------------------------------------------------------------
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const flops = ditForwardFlops(config, 2).total;
const gflops = (ms: number) => +(flops / 1e6 / ms).toFixed(2);
const round = (ms: number) => +ms.toFixed(1);
const PATHS: Record<Backend, string> = {
  wgsl: 'GPU sampler + GPU decoder',
  'onnx-webgpu': 'host sampler + CPU reference decoder',
  'onnx-wasm': 'host sampler + CPU reference decoder',
};
const rows = available
  .filter((b) => forwardMs[b]?.length && clipMs[b]?.length)
  .map((backend) => {
    const forward = median(forwardMs[backend]!);
    const clip = median(clipMs[backend]!);
    return {
      backend: `${backend}${backend === 'wgsl' ? ` ${precision}` : ''} (Chromium)`,
      'ms/forward B=2': round(forward),
      'GFLOP/s': gflops(forward),
      'ms/step in clip': round(clip / STEPS),
      'ms/clip (4 steps)': round(clip),
      'clip path': PATHS[backend],
    };
  });
const wgsl = { forward: median(forwardMs.wgsl ?? [NaN]), clip: median(clipMs.wgsl ?? [NaN]) };
const ratios = Object.fromEntries(
  available
    .filter((b) => b !== 'wgsl' && forwardMs[b]?.length)
    .flatMap((b) => [
      [`wgsl/${b} (forward)`, +(wgsl.forward / median(forwardMs[b]!)).toFixed(2)],
      [`wgsl/${b} (clip)`, +(wgsl.clip / median(clipMs[b]!)).toFixed(2)],
    ]),
);
const header =
  `model ${config.id}: ${config.tokens} tokens, dim ${config.dim}, depth ${config.depth}; ` +
  `${(flops / 1e9).toFixed(3)} GFLOP per forward at batch 2; adapter: ${adapter}; ` +
  `${runs} forwards and ${clips} clips per backend after warm-up, interleaved, medians`;
console.log(`\n${header}\n`);
console.table(rows);
console.table(ratios);

const record = {
  model: config.id,
  adapter,
  precision,
  userAgent,
  date: new Date().toISOString(),
  runs,
  clips,
  steps: STEPS,
  guidance: GUIDANCE,
  flopsPerForward: flops,
  loadAverage: [loadStart, +loadavg()[0]!.toFixed(2)],
  rows,
  ratios,
  raw: { forwardMs, clipMs },
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/backends-browser.json', JSON.stringify(record, null, 2) + '\n');
writeBrowserSection(record);

function writeBrowserSection(r: typeof record): void {
  const table = markdownTable(r.rows);
  writeResultsSection('backends-browser', 'bench/backends-browser.ts', [
    '## Denoiser backends in Chromium (`npx tsx bench/backends-browser.ts`)',
    '',
    `${r.date.slice(0, 10)}, the built app in headless Chromium (${r.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium'}), ` +
      `model \`${r.model}\` (${config.tokens} tokens, dim ${config.dim}, depth ${config.depth}), ` +
      `${(r.flopsPerForward / 1e9).toFixed(3)} GFLOP per forward at batch 2. Adapter: ${r.adapter} ` +
      `(WGSL at ${r.precision}). ${r.runs} forwards and ${r.clips} 4-step clips (guidance ${r.guidance}) ` +
      'per backend after one warm-up clip each, interleaved; medians.',
    '',
    table,
    '',
    ratioLines(r.ratios),
    '',
    "Forwards are the app's own timing (Backend → Measure again: one guided forward after a",
    'warm-up one, inputs uploaded and velocity read back); clips are the wall time the worker',
    'reports for a Create generation with x0 previews, decoded on the GPU (WGSL) or by the CPU',
    'reference decoder (onnxruntime). onnx-wasm runs up to 4 threads where the page is',
    'cross-origin isolated (it is). The WebGPU rows run on SwiftShader, a CPU implementation,',
    `with other work on the cores (1-minute load average ${r.loadAverage.join(' → ')}): only the`,
    'ratios measured in one run carry over, and not to a real GPU.',
  ]);
}
