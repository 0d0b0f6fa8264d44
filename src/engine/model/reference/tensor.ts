// The reference's one data type: a float64 array with a row-major shape. Float64 so that the
// reference is the oracle: its own rounding error is far below any kernel's.

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A tensor of `shape`, zero-filled or holding (a float64 copy of) `values`. */
export function tensor(shape: readonly number[], values?: ArrayLike<number>): Tensor {
  const n = numel(shape);
  if (values && values.length !== n) {
    throw new RangeError(`tensor: ${values.length} values for shape ${shapeText(shape)} (${n} elements)`);
  }
  const data = new Float64Array(n);
  if (values) data.set(values);
  return { shape: [...shape], data };
}

/** Same data, new shape (must hold the same number of elements). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  if (numel(shape) !== x.data.length) {
    throw new RangeError(`reshape: ${shapeText(x.shape)} cannot become ${shapeText(shape)}`);
  }
  return { shape: [...shape], data: x.data };
}

/** Throws unless x has `rank` axes; returns the shape for destructuring. */
export function expectRank(op: string, name: string, x: Tensor, rank: number): number[] {
  if (x.shape.length !== rank) {
    throw new RangeError(`${op}: ${name} must have ${rank} axes, got ${shapeText(x.shape)}`);
  }
  return [...x.shape];
}

export function expectShape(op: string, name: string, x: Tensor, shape: readonly number[]): void {
  if (x.shape.length !== shape.length || x.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${op}: ${name} must be ${shapeText(shape)}, got ${shapeText(x.shape)}`);
  }
}

/** Concatenates tensors along axis 0 (a batch). */
export function concat0(parts: readonly Tensor[]): Tensor {
  const rest = parts[0]!.shape.slice(1);
  for (const p of parts) expectShape('concat0', 'part', p, [p.shape[0]!, ...rest]);
  const out = tensor([parts.reduce((n, p) => n + p.shape[0]!, 0), ...rest]);
  let offset = 0;
  for (const p of parts) {
    out.data.set(p.data, offset);
    offset += p.data.length;
  }
  return out;
}

/** Rows [start, end) along axis 0. */
export function slice0(x: Tensor, start: number, end: number): Tensor {
  const row = numel(x.shape.slice(1));
  return tensor([end - start, ...x.shape.slice(1)], x.data.subarray(start * row, end * row));
}
