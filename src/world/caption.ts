// Captions in a closed vocabulary, written from what a scene is and read back into it:
//   "one small green ball, slow, no gravity"
//   "three balls, small red, big blue and small cyan, fast, strong gravity"
// Words are [a-z]+ after lowercasing, so Python reads them with re.findall('[a-z]+', text.lower()).

import {
  GRAVITY_CLASSES,
  MAX_BALLS,
  SIZE_CLASSES,
  SPEED_CLASSES,
  gravityClassOf,
  sceneScale,
  sizeClassOf,
  speedClassOf,
  type GravityClass,
  type SizeClass,
  type SpeedClass,
} from './classes';
import { COLOUR_NAMES, isColourName, type ColourName } from './palette';
import type { Scene } from './types';

export interface BallDescription {
  colour: ColourName;
  size: SizeClass;
}

/** Everything a caption says about a scene; the sampler can also draw a scene from one. */
export interface SceneDescription {
  balls: BallDescription[];
  speed: SpeedClass;
  gravity: GravityClass;
}

const COUNT_WORDS = ['one', 'two', 'three'] as const;

export const VOCABULARY: readonly string[] = [
  ...new Set([
    ...COUNT_WORDS,
    'ball',
    'balls',
    'and',
    'gravity',
    ...COLOUR_NAMES,
    ...SIZE_CLASSES,
    ...SPEED_CLASSES,
    ...GRAVITY_CLASSES,
  ]),
].sort();

const KNOWN_WORDS = new Set(VOCABULARY);

export function describeScene(scene: Scene): SceneDescription {
  const scale = sceneScale(scene.width, scene.height);
  return {
    balls: scene.balls.map((ball) => ({ colour: ball.colour, size: sizeClassOf(ball.radius, scale) })),
    speed: speedClassOf(scene),
    gravity: gravityClassOf(scene.gravity, scale),
  };
}

export function writeCaption(description: SceneDescription): string {
  const { balls, speed, gravity } = description;
  if (balls.length < 1 || balls.length > MAX_BALLS) {
    throw new RangeError(`a caption describes 1 to ${MAX_BALLS} balls, got ${balls.length}`);
  }
  const count = COUNT_WORDS[balls.length - 1];
  const tail = `${speed}, ${gravity} gravity`;
  if (balls.length === 1) return `${count} ${balls[0]!.size} ${balls[0]!.colour} ball, ${tail}`;
  const items = balls.map((ball) => `${ball.size} ${ball.colour}`);
  const list = `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  return `${count} balls, ${list}, ${tail}`;
}

export function captionFor(scene: Scene): string {
  return writeCaption(describeScene(scene));
}

/** `tokens`: the known words in order; `unknown`: each word outside VOCABULARY once, in order. */
export function tokenize(text: string): { tokens: string[]; unknown: string[] } {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  const tokens = words.filter((word) => KNOWN_WORDS.has(word));
  const unknown = [...new Set(words.filter((word) => !KNOWN_WORDS.has(word)))];
  return { tokens, unknown };
}

/** Reads a caption in the exact grammar writeCaption produces; null if it is not one. */
export function parseCaption(text: string): SceneDescription | null {
  const { tokens, unknown } = tokenize(text);
  if (unknown.length > 0) return null;
  let at = 0;
  const take = (): string | undefined => tokens[at++];
  const count = COUNT_WORDS.indexOf(take() as (typeof COUNT_WORDS)[number]) + 1;
  if (count === 0) return null;
  if (count > 1 && take() !== 'balls') return null;
  const balls: BallDescription[] = [];
  for (let i = 0; i < count; i++) {
    if (count > 1 && i === count - 1 && take() !== 'and') return null;
    const size = take();
    const colour = take();
    if (!isSizeClass(size) || colour === undefined || !isColourName(colour)) return null;
    balls.push({ colour, size });
  }
  if (count === 1 && take() !== 'ball') return null;
  const speed = take();
  const gravity = take();
  if (!isSpeedClass(speed) || !isGravityClass(gravity) || take() !== 'gravity' || at !== tokens.length)
    return null;
  return { balls, speed, gravity };
}

function isSizeClass(word: string | undefined): word is SizeClass {
  return (SIZE_CLASSES as readonly (string | undefined)[]).includes(word);
}

function isSpeedClass(word: string | undefined): word is SpeedClass {
  return (SPEED_CLASSES as readonly (string | undefined)[]).includes(word);
}

function isGravityClass(word: string | undefined): word is GravityClass {
  return (GRAVITY_CLASSES as readonly (string | undefined)[]).includes(word);
}
