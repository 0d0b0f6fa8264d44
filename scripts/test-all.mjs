#!/usr/bin/env node
// Runs every test layer in order, streams their output, and ends with one summary table.
// Usage: node scripts/test-all.mjs [layer...]   (layers: check py unit gpu e2e)
import { spawn } from 'node:child_process';

const LAYERS = {
  check: ['npm', ['run', '-s', 'check']],
  py: ['npm', ['run', '-s', 'test:py']], // also writes the shipped config's goldens for unit
  unit: ['npm', ['run', '-s', 'test:unit']],
  gpu: ['npm', ['run', '-s', 'test:gpu']],
  e2e: ['npm', ['run', '-s', 'test:e2e']],
};

/** Counts from a runner's closing lines: vitest ("Tests  12 passed | 1 failed") or unittest. */
function countTests(output) {
  // eslint-disable-next-line no-control-regex -- strips the runners' colour codes
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const vitest = plain.match(/^\s*Tests\s+(.*)$/m);
  if (vitest) {
    const number = (word) => Number(vitest[1].match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
    return { passed: number('passed'), failed: number('failed'), skipped: number('skipped') };
  }
  const ran = plain.match(/^Ran (\d+) tests?/m);
  if (ran) {
    const total = Number(ran[1]);
    const failures = [...plain.matchAll(/(?:failures|errors)=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    const skipped = Number(plain.match(/skipped=(\d+)/)?.[1] ?? 0);
    return { passed: total - failures - skipped, failed: failures, skipped };
  }
  return null;
}

function runLayer(name) {
  const [command, args] = LAYERS[name];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        output += chunk;
        (stream === child.stdout ? process.stdout : process.stderr).write(chunk);
      });
    }
    child.on('close', (code) =>
      resolve({ name, code: code ?? 1, seconds: (Date.now() - started) / 1000, counts: countTests(output) }),
    );
  });
}

const requested = process.argv.slice(2);
const layers = requested.length ? requested : Object.keys(LAYERS);
const results = [];
for (const name of layers) {
  if (!LAYERS[name]) throw new Error(`unknown layer ${name}; known: ${Object.keys(LAYERS).join(' ')}`);
  console.log(`\n=== ${name} ===`);
  results.push(await runLayer(name));
}

console.log('\nlayer   status  passed  failed  skipped  seconds');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const { name, code, seconds, counts } of results) {
  const c = counts ?? { passed: 0, failed: code === 0 ? 0 : 1, skipped: 0 };
  passed += c.passed;
  failed += c.failed;
  skipped += c.skipped;
  const cells = [name.padEnd(7), (code === 0 ? 'ok' : 'FAIL').padEnd(6)];
  cells.push(...[c.passed, c.failed, c.skipped].map((n, i) => String(counts || i ? n : '-').padStart(6)));
  console.log(`${cells.join('  ')}  ${seconds.toFixed(1).padStart(7)}`);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
