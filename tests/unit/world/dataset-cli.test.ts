import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { VOCABULARY, tokenize } from '../../../src/world/caption';
import { datasetClip } from '../../../src/world/dataset';
import { renderClip } from '../../../src/world/render';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'world-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/world-dataset.ts', () => {
  it('writes clips.u8 and meta.json that agree with src/world', { timeout: 60_000 }, () => {
    const shape = { frames: 6, width: 24, height: 24 };
    execFileSync(
      'npx',
      [
        'tsx',
        'scripts/world-dataset.ts',
        '--count',
        '8',
        '--seed',
        '3',
        '--out',
        dir,
        '--frames',
        '6',
        '--size',
        '24',
      ],
      {
        cwd: root,
        stdio: 'pipe',
      },
    );
    const clipBytes = 6 * 24 * 24 * 3;
    expect(statSync(join(dir, 'clips.u8')).size).toBe(8 * clipBytes);
    const clips = new Uint8Array(readFileSync(join(dir, 'clips.u8')));
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({
      format: 'tessera-world-dataset',
      version: 1,
      count: 8,
      frames: 6,
      height: 24,
      width: 24,
      channels: 3,
      seed: 3,
      vocabulary: [...VOCABULARY],
    });
    expect(meta.captions).toHaveLength(8);
    expect(meta.scenes).toHaveLength(8);
    expect(meta.states).toHaveLength(8);
    for (let index = 0; index < 8; index++) {
      const clip = datasetClip(3, index, shape);
      expect(clips.subarray(index * clipBytes, (index + 1) * clipBytes)).toEqual(
        renderClip(clip.states, shape),
      );
      expect(meta.captions[index]).toBe(clip.caption);
      expect(tokenize(meta.captions[index]).unknown).toEqual([]);
      expect(meta.scenes[index].balls.map((b: { colour: string }) => b.colour)).toEqual(
        clip.scene.balls.map((b) => b.colour),
      );
      expect(meta.states[index]).toHaveLength(6);
      const last = meta.states[index][5];
      expect(last).toHaveLength(clip.scene.balls.length);
      last.forEach((row: number[], ball: number) => {
        const truth = clip.states[5]![ball]!;
        expect(row).toHaveLength(4);
        [truth.x, truth.y, truth.vx, truth.vy].forEach((value, k) =>
          expect(Math.abs(row[k]! - value)).toBeLessThanOrEqual(5e-4),
        );
      });
    }
  });

  it('fails with a message on bad arguments', { timeout: 60_000 }, () => {
    expect(() =>
      execFileSync(
        'npx',
        ['tsx', 'scripts/world-dataset.ts', '--count', 'many', '--seed', '1', '--out', dir],
        { cwd: root, stdio: 'pipe' },
      ),
    ).toThrow(/--count needs a non-negative integer/);
  });
});
