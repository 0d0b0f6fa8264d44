#!/usr/bin/env node
// Runs the Python tests of training/ with Debian's PyTorch (the system python3).
import { spawnSync } from 'node:child_process';

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
const goldens = spawnSync(
  python,
  ['training/tessera/goldens.py', '--preset', 'balls-s', '--out', 'tests/fixtures/generated/balls-s'],
  { env, stdio: 'inherit' },
);
if (goldens.status !== 0) process.exit(goldens.status ?? 1);

const run = spawnSync(python, ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], {
  cwd: 'training',
  env,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
