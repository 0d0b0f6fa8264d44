// The seeded noise shared bit for bit with training/tessera/prng.py (spec: docs/model-format.md).
// xoshiro128** seeded through splitmix32; 53-bit uniforms; Marsaglia polar normals with a
// logarithm built from + - * / only, which IEEE float64 rounds the same in every engine.

export const LN2 = 0.6931471805599453;
// (m-1)/(m+1) < 1/3 for m in [1, 2), so 20 odd atanh terms fall below 1e-19.
const LN_TERMS = 20;

/** splitmix32: the next output from `state`, which advances by the golden-ratio step. */
export function splitmix32(state: number): { value: number; state: number } {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return { value: (z ^ (z >>> 16)) >>> 0, state: next };
}

/** Natural log of a positive finite number from basic IEEE ops (no Math.log: engines differ). */
export function ln(x: number): number {
  let e = 0;
  while (x >= 2) {
    x = x / 2;
    e += 1;
  }
  while (x < 1) {
    x = x * 2;
    e -= 1;
  }
  const f = (x - 1) / (x + 1);
  const f2 = f * f;
  let s = 1 / (2 * LN_TERMS - 1);
  for (let k = LN_TERMS - 2; k >= 0; k--) s = s * f2 + 1 / (2 * k + 1);
  return e * LN2 + 2 * f * s;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** xoshiro128** with 32-bit state words, seeded from a u32 through splitmix32. */
export class Xoshiro128 {
  private readonly s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
    }
    let state = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      const out = splitmix32(state);
      this.s[i] = out.value;
      state = out.state;
    }
  }

  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    // Uint32Array stores wrap to 32 bits, as the u32 state words need.
    s[2] = s[2]! ^ s[0]!;
    s[3] = s[3]! ^ s[1]!;
    s[1] = s[1]! ^ s[2]!;
    s[0] = s[0]! ^ s[3]!;
    s[2] = s[2]! ^ t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits from two draws. */
  uniform53(): number {
    const a = this.nextU32();
    const b = this.nextU32();
    return ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
  }

  /** Standard normal; both values of each polar pair are used, u's first. */
  normal(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform53() - 1;
      v = 2 * this.uniform53() - 1;
      s = u * u + v * v;
    } while (!(s > 0 && s < 1));
    const m = Math.sqrt((-2 * ln(s)) / s);
    this.spare = v * m;
    return u * m;
  }
}

/** `count` float32 normals from a fresh generator: latents fill (N, C, T, H, W) row-major. */
export function gaussianNoise(seed: number, count: number): Float32Array {
  const rng = new Xoshiro128(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.normal();
  return out;
}
