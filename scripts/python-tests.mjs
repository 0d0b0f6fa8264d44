#!/usr/bin/env node
// Runs the Python tests of training/ with Debian's PyTorch (the system python3).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const python = process.env.TESSERA_PYTHON ?? '/usr/bin/python3';
const probe = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.error(
    `${python} cannot import torch and numpy. Install them with ` +
      '`sudo bash scripts/install-system.sh` (Debian packages python3-torch, python3-numpy).',
  );
  process.exit(1);
}
const env = {
  ...process.env,
  OMP_NUM_THREADS: '2',
  OMP_WAIT_POLICY: 'PASSIVE',
  PYTHONDONTWRITEBYTECODE: '1',
};
// Goldens of the shipped config are too large to check in (tests/fixtures/generated is ignored):
// regenerate them here, before the TypeScript tests that compare against them.
// The same for every shipped model (trained weights): the e2e tests compare the app's clips
// in Chromium against these PyTorch runs.
const shipped = existsSync('public/models/index.json')
  ? JSON.parse(readFileSync('public/models/index.json', 'utf8')).models.map((m) => m.id)
  : [];
const jobs = [
  ['--preset', 'balls-s', '--out', 'tests/fixtures/generated/balls-s'],
  ...shipped.map((id) => ['--model', `public/models/${id}`, '--out', `tests/fixtures/generated/${id}`]),
];
for (const args of jobs) {
  const goldens = spawnSync(python, ['training/tessera/goldens.py', ...args], { env, stdio: 'inherit' });
  if (goldens.status !== 0) process.exit(goldens.status ?? 1);
}

const run = spawnSync(python, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], {
  cwd: 'training',
  env,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
