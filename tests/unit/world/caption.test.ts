import { describe, expect, it } from 'vitest';
import {
  VOCABULARY,
  captionFor,
  describeScene,
  parseCaption,
  tokenize,
  writeCaption,
} from '../../../src/world/caption';
import { COLOUR_NAMES } from '../../../src/world/palette';
import { Rng } from '../../../src/world/rng';
import { sampleScene } from '../../../src/world/scene';
import type { Scene } from '../../../src/world/types';

const COUNT_WORDS = ['one', 'two', 'three'];

describe('captions', () => {
  it('have a small sorted vocabulary without repeats', () => {
    expect([...VOCABULARY].sort()).toEqual(VOCABULARY);
    expect(new Set(VOCABULARY).size).toBe(VOCABULARY.length);
    expect(VOCABULARY.length).toBeLessThanOrEqual(25);
    for (const word of VOCABULARY) expect(word).toMatch(/^[a-z]+$/);
  });

  it('read like the examples', () => {
    expect(writeCaption({ balls: [{ colour: 'green', size: 'small' }], speed: 'slow', gravity: 'no' })).toBe(
      'one small green ball, slow, no gravity',
    );
    expect(
      writeCaption({
        balls: [
          { colour: 'red', size: 'small' },
          { colour: 'blue', size: 'big' },
          { colour: 'cyan', size: 'small' },
        ],
        speed: 'fast',
        gravity: 'strong',
      }),
    ).toBe('three balls, small red, big blue and small cyan, fast, strong gravity');
  });

  it('of random scenes use only known words, name the count and every colour, and parse back', () => {
    for (let index = 0; index < 2000; index++) {
      const scene = sampleScene(new Rng(77, index), {});
      const caption = captionFor(scene);
      const { tokens, unknown } = tokenize(caption);
      expect(unknown).toEqual([]);
      expect(tokens.filter((word) => COUNT_WORDS.includes(word))).toEqual([
        COUNT_WORDS[scene.balls.length - 1],
      ]);
      const colourWords = tokens.filter((word) => (COLOUR_NAMES as readonly string[]).includes(word));
      expect(colourWords).toEqual(scene.balls.map((ball) => ball.colour));
      expect(tokens.includes('balls')).toBe(scene.balls.length > 1);
      expect(parseCaption(caption)).toEqual(describeScene(scene));
    }
  });

  it('classify a hand-made scene', () => {
    const scene: Scene = {
      width: 64,
      height: 64,
      gravity: 0.5,
      balls: [
        { colour: 'yellow', radius: 10, x: 20, y: 20, vx: 4, vy: 0 },
        { colour: 'white', radius: 5, x: 40, y: 40, vx: 0, vy: -4 },
      ],
    };
    expect(captionFor(scene)).toBe('two balls, big yellow and small white, fast, strong gravity');
    expect(captionFor({ ...scene, gravity: 0.2, balls: [{ ...scene.balls[0]!, vx: 1 }] })).toBe(
      'one big yellow ball, slow, weak gravity',
    );
    expect(() => captionFor({ ...scene, balls: [] })).toThrow(/1 to 3 balls/);
  });

  it('report unknown words, lowercased, once each', () => {
    expect(tokenize('Two PURPLE balls; purple and 3 Red-ish!')).toEqual({
      tokens: ['two', 'balls', 'and', 'red'],
      unknown: ['purple', 'ish'],
    });
    expect(tokenize('')).toEqual({ tokens: [], unknown: [] });
  });

  it('that do not follow the grammar do not parse', () => {
    expect(parseCaption('one small green ball, slow, no gravity')).not.toBeNull();
    for (const text of [
      'one small purple ball, slow, no gravity',
      'two small green ball, slow, no gravity',
      'one green small ball, slow, no gravity',
      'two balls, small red, big blue, fast, no gravity',
      'one small green ball, slow, no gravity gravity',
      'one small green ball',
    ]) {
      expect(parseCaption(text), text).toBeNull();
    }
  });
});
