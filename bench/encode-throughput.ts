// Export throughput in headless Chromium: frames per second for encodeClip (upscale + encode +
// mux) at 256, 512 and 1024 px, for each container/codec this browser encodes.
// Usage: npx tsx bench/encode-throughput.ts   -> prints a table, writes bench/results/encode.json
import { mkdirSync, writeFileSync } from 'node:fs';
import { openBrowser } from '../tests/e2e/browser.ts';
import { buildAndServeTestPages } from '../tests/e2e/pages/build.ts';
import type {} from '../tests/e2e/pages/video-page.ts';

const SIZES_PX = [256, 512, 1024];
const CASES = [
  { container: 'mp4', codec: 'avc' },
  { container: 'mp4', codec: 'av1' },
  { container: 'webm', codec: 'vp9' },
  { container: 'webm', codec: 'vp8' },
] as const;
const FRAMES = 16;
const TIMED_RUNS = 3; // after one warm-up run (which also pays for the codec probe)

interface Row {
  container: string;
  codec: string;
  sizePx: number;
  frames: number;
  medianMs: number;
  framesPerSecond: number;
  bytes: number;
}

const server = await buildAndServeTestPages();
const session = await openBrowser({ webgpu: false });
const rows: Row[] = [];
try {
  await session.page.goto(`${server.url}video.html`);
  await session.page.waitForFunction(() => document.body.dataset.ready === 'true');
  for (const { container, codec } of CASES) {
    for (const sizePx of SIZES_PX) {
      const result = await session.page.evaluate(
        async ({ container, codec, sizePx, frames, runs }) => {
          const v = window.tesseraVideo;
          const clip = v.squaresClip(frames);
          const options = { container, codec, size: { width: sizePx, height: sizePx } };
          try {
            await v.encodeClip(clip, options); // warm-up
          } catch (error) {
            return { skipped: (error as Error).message };
          }
          const times: number[] = [];
          let bytes = 0;
          for (let run = 0; run < runs; run++) {
            const start = performance.now();
            bytes = (await v.encodeClip(clip, options)).blob.size;
            times.push(performance.now() - start);
          }
          times.sort((a, b) => a - b);
          return { skipped: null, medianMs: times[Math.floor(times.length / 2)], bytes };
        },
        { container, codec, sizePx, frames: FRAMES, runs: TIMED_RUNS },
      );
      if (result.skipped !== null) {
        console.log(`skipped ${container}/${codec} at ${sizePx}: ${result.skipped}`);
        continue;
      }
      const medianMs = result.medianMs!;
      rows.push({
        container,
        codec,
        sizePx,
        frames: FRAMES,
        medianMs,
        framesPerSecond: (FRAMES * 1000) / medianMs,
        bytes: result.bytes!,
      });
    }
  }
} finally {
  await session.close();
  await server.close();
}

const userAgent = 'headless Chromium (software WebCodecs encoders)';
console.log(
  `\nencodeClip throughput, ${FRAMES} frames of 32x32 upscaled (nearest), median of ${TIMED_RUNS}, ${userAgent}\n`,
);
console.log('container  codec  size       ms/clip   frames/s   bytes');
for (const row of rows) {
  console.log(
    `${row.container.padEnd(9)}  ${row.codec.padEnd(5)}  ${`${row.sizePx}x${row.sizePx}`.padEnd(9)}  ` +
      `${row.medianMs.toFixed(0).padStart(7)}  ${row.framesPerSecond.toFixed(1).padStart(9)}  ${String(row.bytes).padStart(7)}`,
  );
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/encode.json',
  JSON.stringify(
    { date: new Date().toISOString(), browser: userAgent, frames: FRAMES, timedRuns: TIMED_RUNS, rows },
    null,
    2,
  ) + '\n',
);
console.log('\nwrote bench/results/encode.json');
