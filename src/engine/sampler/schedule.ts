// Rectified-flow sampling math, mirroring training/tessera/sampling.py.
// x_t = (1 - t) x0 + t noise (t = 1 is pure noise); the model predicts v = noise - x0.

type Floats = Float32Array | Float64Array;

/** Spend more steps at high noise when shift > 1 (SD3's time shift). */
export function shiftTime(t: number, shift: number): number {
  return (shift * t) / (1 + (shift - 1) * t);
}

/** steps + 1 times from 1 down to 0: t_i = shiftTime(1 - i / steps, shift). */
export function timesteps(steps: number, shift: number): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`steps must be a positive integer, got ${steps}`);
  }
  if (!(shift > 0) || !Number.isFinite(shift)) {
    throw new RangeError(`shift must be a positive number, got ${shift}`);
  }
  const out = new Float64Array(steps + 1);
  for (let i = 0; i <= steps; i++) out[i] = shiftTime(1 - i / steps, shift);
  return out;
}

function sameLength(name: string, a: Floats, b: Floats): void {
  if (a.length !== b.length) {
    throw new RangeError(`${name}: lengths differ (${a.length} and ${b.length})`);
  }
}

/** One Euler step x + (tNext - t) v, written into `out` (may alias x). */
export function eulerStep<T extends Floats>(x: T, v: Floats, t: number, tNext: number, out: T): T {
  sameLength('eulerStep x/v', x, v);
  sameLength('eulerStep x/out', x, out);
  const dt = tNext - t;
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + dt * v[i]!;
  return out;
}

/** Classifier-free guidance v_u + g (v_c - v_u); g = 1 is the conditional model. */
export function guide<T extends Floats>(vCond: Floats, vUncond: Floats, scale: number, out: T): T {
  sameLength('guide', vCond, vUncond);
  sameLength('guide out', vCond, out);
  for (let i = 0; i < out.length; i++) out[i] = vUncond[i]! + scale * (vCond[i]! - vUncond[i]!);
  return out;
}
