// The float64 TypeScript reference reproduces the PyTorch goldens block by block.
//
// Tolerances (|a - b| <= atol + rtol * |ref|), measured on tiny and balls-s:
// - float64 goldens: both sides compute in float64 and differ only in summation order and
//   libm (sin, exp, tanh) last bits. Worst measured 1.1e-13 (t_freq), 8e-14 after a whole
//   4-step sampling run; 1e-11 leaves 100x margin yet catches a LayerNorm eps of 1e-5 for
//   1e-6 (3e-5 off), which the float32 tolerance would not.
// - float32 goldens: PyTorch float32 rounds every op (2^-24 = 6e-8 relative) over dot
//   products of up to 4D terms, and the timestep argument t*1000*f is rounded to ~6e-5
//   absolute at t = 1 before cos/sin. Worst measured 4.5e-5 (t_freq), 3.6e-5 elsewhere;
//   2e-4 (activations are O(1)) keeps ~4x margin over the worst.
// GOLDEN_REPORT=1 prints every comparison.

import { describe, expect, it } from 'vitest';

import {
  decode,
  encode,
  ditForward,
  sampleLatents,
  tensor,
  type Tensor,
} from '../../../src/engine/model/reference/index.ts';
import { tokenize } from '../../../src/engine/model/tokenizer.ts';
import {
  compare,
  FIXTURES,
  goldensExist,
  loadGoldens,
  type Goldens,
  type Tolerance,
} from './golden-helpers.ts';

const TOLERANCE: Record<string, Tolerance> = {
  float64: { atol: 1e-11, rtol: 1e-11 },
  float32: { atol: 2e-4, rtol: 2e-4 },
};

const REPORT = process.env.GOLDEN_REPORT === '1';

/** Compares each traced intermediate with the golden of every precision at once. */
class Checker {
  readonly seen = new Set<string>();
  readonly failures: string[] = [];
  readonly lines: string[] = [];
  constructor(
    private readonly g: Goldens,
    private readonly scenario: string,
  ) {}

  check = (name: string, value: Tensor): void => {
    for (const precision of this.g.index.precisions) {
      const key = `${precision}/${this.scenario}.${name}`;
      this.seen.add(key);
      const result = compare(key, value, this.g.get(key), TOLERANCE[precision]!);
      this.lines.push(result.message);
      if (!result.ok) this.failures.push(result.message);
    }
  };

  finish(): void {
    if (REPORT) console.log(this.lines.join('\n'));
    const goldens = this.g.index.precisions.flatMap((p) => this.g.names(`${p}/${this.scenario}.`));
    expect(
      goldens.filter((k) => !this.seen.has(k)),
      'goldens the reference did not produce',
    ).toEqual([]);
    expect(this.failures, this.failures.join('\n')).toEqual([]);
  }
}

function contextLatent(g: Goldens, trace: Checker['check'] | undefined, given: number): Tensor {
  const latent = encode(g.config, g.weights, g.get('inputs/pixels'));
  const [, C, T, H, W] = latent.shape as [number, number, number, number, number];
  const out = tensor(latent.shape);
  for (let c = 0; c < C; c++) {
    const from = c * T * H * W;
    out.data.set(latent.data.subarray(from, from + given * H * W), from);
  }
  trace?.('context', out);
  return out;
}

function suite(label: string, folder: URL): void {
  const available = goldensExist(folder);
  if (!available)
    console.log(
      `skipping ${label} goldens: ${folder.pathname} not generated (run training/tessera/goldens.py)`,
    );
  describe.skipIf(!available)(`${label} goldens`, () => {
    const g = available ? loadGoldens(folder) : (null as unknown as Goldens);

    it('prompt tokens match the Python tokenizer', () => {
      expect([...tokenize(g.index.prompt, g.config.text)]).toEqual(g.index.tokens);
    });

    it('DiT forward, every block', { timeout: 60_000 }, () => {
      const c = new Checker(g, 'forward');
      const tokens = g.index.forward.y.map((row) => Int32Array.from(row));
      ditForward(
        g.config,
        g.weights,
        g.get('inputs/forward.x'),
        g.get('inputs/forward.t').data,
        tokens,
        c.check,
      );
      c.finish();
    });

    it.skipIf(!g?.config.autoencoder)(
      'autoencoder encode and decode, every layer',
      { timeout: 60_000 },
      () => {
        const c = new Checker(g, 'ae');
        const latent = encode(g.config, g.weights, g.get('inputs/pixels'), c.check);
        c.check('latent', latent);
        c.check('pixels', decode(g.config, g.weights, latent, c.check));
        c.finish();
      },
    );

    const scenarios = g?.config.context.maxFrames ? ['sample', 'sample_context'] : ['sample'];
    for (const scenario of scenarios) {
      it(`${g?.index.sample.steps}-step sampling with guidance (${scenario})`, { timeout: 60_000 }, () => {
        const c = new Checker(g, scenario);
        const s = g.index.sample;
        const given = scenario === 'sample_context' ? s.context_frames : 0;
        const context = given ? contextLatent(g, c.check, given) : null;
        const latent = sampleLatents(g.config, g.weights, {
          noise: g.get('inputs/sample.noise'),
          tokens: [Int32Array.from(g.index.tokens)],
          steps: s.steps,
          shift: s.shift,
          guidance: s.guidance,
          context,
          contextFrames: given,
          trace: c.check,
        });
        c.check('latent', latent);
        c.check('pixels', g.config.autoencoder ? decode(g.config, g.weights, latent) : latent);
        c.finish();
      });
    }
  });
}

suite('tiny', new URL('tiny/', FIXTURES));
suite('balls-s', new URL('generated/balls-s/', FIXTURES));
