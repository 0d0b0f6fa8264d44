// Training adds the left-right mirror image of every clip under the same caption
// (training/train.py); that is only sound if the mirrored scene is the same world.
import { describe, expect, it } from 'vitest';
import { captionFor } from '../../../src/world/caption';
import { simulate } from '../../../src/world/physics';
import { CHANNELS, renderClip } from '../../../src/world/render';
import { Rng } from '../../../src/world/rng';
import { sampleScene } from '../../../src/world/scene';
import type { Scene } from '../../../src/world/types';

const FRAMES = 16;

function mirrorScene(scene: Scene): Scene {
  return { ...scene, balls: scene.balls.map((b) => ({ ...b, x: scene.width - b.x, vx: -b.vx })) };
}

/** (T, H, W, 3) bytes with each row reversed. */
function mirrorPixels(clip: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(clip.length);
  const row = width * CHANNELS;
  for (let start = 0; start < clip.length; start += row) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < CHANNELS; c++) {
        out[start + x * CHANNELS + c] = clip[start + (width - 1 - x) * CHANNELS + c]!;
      }
    }
  }
  return out;
}

describe('the mirror image of a scene', () => {
  it('keeps its caption and renders as the mirrored clip (odd sizes too)', () => {
    for (const size of [
      { width: 32, height: 32 },
      { width: 45, height: 29 },
    ]) {
      let worst = 0;
      for (let index = 0; index < 40; index++) {
        const scene = sampleScene(new Rng(77, index), size);
        const mirrored = mirrorScene(scene);
        expect(captionFor(mirrored)).toBe(captionFor(scene));
        const clip = renderClip(simulate(scene, FRAMES), size);
        const flipped = mirrorPixels(renderClip(simulate(mirrored, FRAMES), size), size.width);
        let differing = 0;
        for (let i = 0; i < clip.length; i++) {
          const d = Math.abs(clip[i]! - flipped[i]!);
          worst = Math.max(worst, d);
          if (d > 0) differing++;
        }
        // Rounding in x -> width - x may move an edge pixel by a level, never a ball.
        expect(differing / clip.length).toBeLessThan(1e-3);
      }
      expect(worst).toBeLessThanOrEqual(1); // measured: 0 at both sizes
    }
  });
});
