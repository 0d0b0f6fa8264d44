// Model load speed in headless Chromium, for the shipped default model (public/models/index.json):
//   first visit   network download -> verify -> IndexedDB store -> GPU upload + plan build
//   second visit  a new browser on the same profile: IndexedDB read -> verify -> GPU upload + build
// One first visit, one discarded second visit (warm-up), then TIMED_RUNS second visits; medians.
// Phases come from the app's own status line (the worker's progress events), timestamped inside
// the page by a MutationObserver, so no app code is instrumented; the end of the network download
// comes from the browser's timing of the weights request.
// Usage: npx vite build && npx tsx bench/load-speed.ts  -> prints a table, writes bench/results/load-speed.json
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStatic } from '../scripts/serve.mjs';
import { openBrowser } from '../tests/e2e/browser.ts';

const TIMED_RUNS = 3; // second visits, after one discarded warm-up visit
const LOAD_TIMEOUT_MS = 180_000;
const MB = 1e6;

interface Catalogue {
  models: { id: string; path: string; default?: boolean }[];
}
if (!existsSync('dist/index.html')) throw new Error('dist/ is missing: run `npx vite build` first');
const catalogue = JSON.parse(readFileSync('dist/models/index.json', 'utf8')) as Catalogue;
const model = catalogue.models.find((m) => m.default) ?? catalogue.models[0];
if (!model) throw new Error('dist/models/index.json lists no model');
const weightsFile = `${model.path}model.safetensors`;
const weightsBytes = statSync(join('dist', weightsFile)).size;

/** One status-line text and when it appeared, in ms since the page's navigation started. */
interface Mark {
  t: number;
  text: string;
}

interface Visit {
  kind: 'first' | 'second';
  /** Navigation start to "Model <id> loaded": app boot + GPU self-test + the load. */
  navToLoadedMs: number;
  /** "starting" (the app asks the worker) to "loaded". */
  loadMs: number;
  /** Download + sha256 + IndexedDB store (first), or IndexedDB read + chunk sha256 (second). */
  fetchOrCacheMs: number;
  /** First visit only: load start to the last byte of the weights response. */
  networkMs: number | null;
  /** "uploading to the GPU" to "loaded": safetensors parse, weight upload, plan build. */
  uploadBuildMs: number;
  modelRequests: string[];
  statusLog: Mark[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const server = await serveStatic('dist', { port: 0 });
const profile = mkdtempSync(join(tmpdir(), 'tessera-load-speed-'));
let adapter = '';
let adapterInfo: Record<string, string> | null = null;
let precision = '';
let userAgent = '';

/** Opens a new browser on the shared profile, loads the app and waits for the default model. */
async function visit(kind: Visit['kind']): Promise<Visit> {
  const session = await openBrowser({ userDataDir: profile });
  try {
    const { context, page } = session;
    await context.addInitScript(() => {
      const log: { t: number; text: string }[] = [];
      Object.assign(window, { tesseraLoadLog: log });
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid=status-model]')?.textContent;
        const clean = text?.replace(/\s+/g, ' ').trim();
        if (clean && clean !== log.at(-1)?.text) log.push({ t: performance.now(), text: clean });
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    const modelRequests: string[] = [];
    let weightsEndEpochMs: number | null = null;
    context.on('request', (request) => {
      if (request.url().includes(`/${model!.path}`)) modelRequests.push(new URL(request.url()).pathname);
    });
    context.on('requestfinished', (request) => {
      if (!request.url().endsWith(`/${weightsFile}`)) return;
      const timing = request.timing();
      if (timing.startTime > 0 && timing.responseEnd >= 0) {
        weightsEndEpochMs = timing.startTime + timing.responseEnd;
      }
    });

    await page.goto(`${server.url}#/create`);
    await page.waitForFunction(
      (id) => {
        const log = (window as unknown as { tesseraLoadLog: { text: string }[] }).tesseraLoadLog;
        return log.some((m) => m.text === `Model ${id} loaded` || m.text.startsWith('Model not loaded'));
      },
      model!.id,
      { polling: 20, timeout: LOAD_TIMEOUT_MS },
    );
    const { log, timeOrigin } = await page.evaluate(() => ({
      log: (window as unknown as { tesseraLoadLog: Mark[] }).tesseraLoadLog,
      timeOrigin: performance.timeOrigin,
    }));
    const dump = log.map((m) => `${m.t.toFixed(1).padStart(9)} ms  ${m.text}`).join('\n');
    const at = (test: (text: string) => boolean, what: string) => {
      const mark = log.find((m) => test(m.text));
      if (!mark) throw new Error(`${kind} visit: the status line never showed ${what}:\n${dump}`);
      return mark.t;
    };
    const loadedAt = at((text) => text === `Model ${model!.id} loaded`, `"Model ${model!.id} loaded"`);
    const startAt = at((text) => text.startsWith(`Model ${model!.id}:`), 'the load starting');
    const uploadAt = at((text) => text.includes('uploading to the GPU'), '"uploading to the GPU"');
    const phase = kind === 'first' ? 'downloading' : 'reading the cache';
    at((text) => text.includes(phase), `"${phase}"`);
    if (kind === 'first' && !modelRequests.includes(`/${weightsFile}`)) {
      throw new Error(`first visit did not download ${weightsFile}: ${modelRequests.join(', ')}`);
    }
    if (kind === 'second' && (modelRequests.length > 0 || log.some((m) => m.text.includes('downloading')))) {
      throw new Error(`second visit went to the network (${modelRequests.join(', ')}):\n${dump}`);
    }

    adapter = ((await page.getByTestId('status-gpu').textContent()) ?? '').replace(/^\s*GPU:\s*/, '').trim();
    precision = ((await page.getByTestId('status-precision').textContent()) ?? '').trim();
    userAgent = await page.evaluate(() => navigator.userAgent);
    adapterInfo ??= await page.evaluate(async () => {
      const info = (await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' }))?.info;
      return info
        ? {
            vendor: info.vendor,
            architecture: info.architecture,
            device: info.device,
            description: info.description,
          }
        : null;
    });
    const weightsEnd = weightsEndEpochMs === null ? null : weightsEndEpochMs - timeOrigin;
    return {
      kind,
      navToLoadedMs: loadedAt,
      loadMs: loadedAt - startAt,
      fetchOrCacheMs: uploadAt - startAt,
      networkMs: weightsEnd === null ? null : weightsEnd - startAt,
      uploadBuildMs: loadedAt - uploadAt,
      modelRequests,
      statusLog: log,
    };
  } finally {
    await session.close();
  }
}

let first: Visit;
let warmUp: Visit;
const seconds: Visit[] = [];
try {
  first = await visit('first');
  warmUp = await visit('second');
  for (let run = 0; run < TIMED_RUNS; run++) seconds.push(await visit('second'));
} finally {
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}

const summarize = (visits: Visit[]) => {
  const pick = (key: 'navToLoadedMs' | 'loadMs' | 'fetchOrCacheMs' | 'uploadBuildMs') =>
    +median(visits.map((v) => v[key])).toFixed(1);
  const networks = visits.map((v) => v.networkMs).filter((x): x is number => x !== null);
  const loadMs = pick('loadMs');
  const fetchOrCacheMs = pick('fetchOrCacheMs');
  return {
    runs: visits.length,
    navToLoadedMs: pick('navToLoadedMs'),
    loadMs,
    fetchOrCacheMs,
    networkMs: networks.length ? +median(networks).toFixed(1) : null,
    uploadBuildMs: pick('uploadBuildMs'),
    /** Model bytes over the whole load (start to loaded). */
    loadMBps: +(weightsBytes / MB / (loadMs / 1000)).toFixed(2),
    /** Model bytes over the fetch/cache phase alone. */
    fetchOrCacheMBps: +(weightsBytes / MB / (fetchOrCacheMs / 1000)).toFixed(2),
  };
};
const rows = [
  { visit: 'first: network -> IndexedDB -> GPU', ...summarize([first!]) },
  { visit: 'second: IndexedDB -> GPU', ...summarize(seconds) },
];

// SwiftShader reports no description: add the architecture the page's own adapter names.
const adapterText = [adapter, adapterInfo?.['architecture']].filter(Boolean).join(' / ') || 'unknown adapter';
console.log(
  `\nmodel ${model.id}: ${(weightsBytes / MB).toFixed(2)} MB of weights; adapter: ${adapterText} (${precision}); ` +
    `first visit once, second visit median of ${TIMED_RUNS} after 1 warm-up; ms\n`,
);
const cell = (x: number | null, width: number) => (x === null ? '-' : x.toFixed(1)).padStart(width);
console.log(
  'visit                                nav->loaded     load  fetch/cache  (network)  upload+build  MB/s load  MB/s fetch/cache',
);
for (const r of rows) {
  console.log(
    `${r.visit.padEnd(35)}  ${cell(r.navToLoadedMs, 11)}  ${cell(r.loadMs, 7)}  ${cell(r.fetchOrCacheMs, 11)}  ` +
      `${cell(r.networkMs, 9)}  ${cell(r.uploadBuildMs, 12)}  ${cell(r.loadMBps, 9)}  ${cell(r.fetchOrCacheMBps, 16)}`,
  );
}
console.log(
  '\nload = status "starting" -> "loaded"; fetch/cache = up to "uploading to the GPU" (first: download + sha256 +\n' +
    'IndexedDB store; second: IndexedDB read + chunk sha256); (network) = load start -> last byte of the weights;\n' +
    'upload+build = safetensors parse, weight upload, plan build. Each column is its own median.\n' +
    'MB = 10^6 bytes.',
);

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/load-speed.json',
  JSON.stringify(
    {
      date: new Date().toISOString(),
      model: model.id,
      weightsBytes,
      adapter: adapterText,
      adapterInfo,
      precision,
      browser: userAgent,
      timedRuns: TIMED_RUNS,
      rows,
      visits: { first: first!, warmUp: warmUp!, timed: seconds },
    },
    null,
    2,
  ) + '\n',
);
console.log('\nwrote bench/results/load-speed.json');
