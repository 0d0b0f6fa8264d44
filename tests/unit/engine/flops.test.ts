import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/engine/model/config.ts';
import { ditForwardFlops } from '../../../src/engine/model/flops.ts';

const tiny = parseModelConfig(JSON.parse(readFileSync('tests/fixtures/tiny/config.json', 'utf8')));

describe('ditForwardFlops', () => {
  it('counts the tiny model by hand', () => {
    // L = 2*4*3 = 24 tokens, D = 32, depth 2, MLP 128, 9 input channels, patch 2x1x2, patch dim 16.
    const perItem = {
      embed: 2 * 24 * 36 * 32,
      linear: 2 * 2 * 24 * (3 * 32 * 32 + 32 * 32 + 2 * 32 * 128),
      attention: 2 * 2 * 2 * 24 * 24 * 32,
      conditioning: 2 * (256 * 32 + 3 * 32 * 32) + 2 * 2 * 32 * 6 * 32 + 2 * 32 * 64,
      final: 2 * 24 * 32 * 16,
    };
    const total = Object.values(perItem).reduce((a, b) => a + b, 0);
    expect(ditForwardFlops(tiny, 1)).toEqual({ ...perItem, total });
    expect(ditForwardFlops(tiny, 2).total).toBe(2 * total);
  });
});
