// The Hugging Face safetensors layout, read without trusting the file:
//   u64 little-endian header length N | N bytes of UTF-8 JSON | tensor data
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]}, offsets
// relative to the data start; an optional "__metadata__" entry maps strings to strings.
// Like the reference implementation, the tensors must tile the data exactly: sorted by
// offset, each begins where the previous ended, the first at 0, the last at the end of the
// file. No gaps, no overlaps, no trailing bytes. Zero-sized tensors (begin == end) are fine.

export const SUPPORTED_DTYPES = ['F32', 'F16', 'BF16'] as const;
export type Dtype = (typeof SUPPORTED_DTYPES)[number];

export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { F32: 4, F16: 2, BF16: 2 };

// A header this large is not a weight file; refuse before decoding it.
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const HEADER_LENGTH_BYTES = 8;
const METADATA_KEY = '__metadata__';

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

export interface TensorInfo {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Absolute offset in the file. */
  readonly byteOffset: number;
  readonly byteLength: number;
}

export interface SafetensorsFile {
  /** N: the JSON header's length, without the 8-byte length prefix. */
  readonly headerBytes: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Throws SafetensorsError when the file has no tensor of that name. */
  tensor(name: string): TensorInfo;
  /** The tensor's raw little-endian bytes, a view into the file (no copy). */
  bytes(name: string): Uint8Array;
  /** A fresh Float32Array: F32 copied, F16 and BF16 converted exactly. */
  toFloat32(name: string): Float32Array<ArrayBuffer>;
}

export function parseSafetensors(input: ArrayBuffer | Uint8Array): SafetensorsFile {
  const file = asBytes(input);
  const headerBytes = readHeaderLength(file);
  const header = decodeHeader(file.subarray(HEADER_LENGTH_BYTES, HEADER_LENGTH_BYTES + headerBytes));
  const dataStart = HEADER_LENGTH_BYTES + headerBytes;
  const dataBytes = file.byteLength - dataStart;

  let metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      metadata = readMetadata(entry);
      continue;
    }
    const { dtype, shape, begin, end } = readTensorEntry(name, entry, dataBytes);
    spans.push({ name, begin, end });
    tensors.set(name, { name, dtype, shape, byteOffset: dataStart + begin, byteLength: end - begin });
  }
  checkExactTiling(spans, dataBytes);
  return makeFile(file, headerBytes, metadata, tensors);
}

function asBytes(input: unknown): Uint8Array {
  // A plain view even for Node's Buffer, whose slice() shares memory instead of copying.
  if (input instanceof Uint8Array) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new SafetensorsError('expected the file as an ArrayBuffer or Uint8Array');
}

function readHeaderLength(file: Uint8Array): number {
  if (file.byteLength < HEADER_LENGTH_BYTES) {
    throw new SafetensorsError(`file is ${file.byteLength} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(file.buffer, file.byteOffset, HEADER_LENGTH_BYTES);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  // high * 2^32 + low stays exact whenever it could pass the limit check below.
  const headerBytes = high * 2 ** 32 + low;
  if (headerBytes > MAX_HEADER_BYTES) {
    throw new SafetensorsError(`header length ${headerBytes} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (headerBytes === 0) throw new SafetensorsError('header length is 0');
  if (HEADER_LENGTH_BYTES + headerBytes > file.byteLength) {
    throw new SafetensorsError(
      `header length ${headerBytes} runs past the end of the ${file.byteLength}-byte file (truncated?)`,
    );
  }
  return headerBytes;
}

function decodeHeader(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) {
    throw new SafetensorsError(`header must start with '{', found ${JSON.stringify(text.slice(0, 16))}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SafetensorsError(`header is not valid JSON: ${reason}`);
  }
  if (!isPlainObject(parsed)) throw new SafetensorsError('header JSON must be an object');
  return parsed;
}

function readMetadata(entry: unknown): Record<string, string> {
  if (!isPlainObject(entry)) {
    throw new SafetensorsError(`"${METADATA_KEY}" must be an object of strings`);
  }
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(
        `"${METADATA_KEY}" value for ${JSON.stringify(key)} must be a string, found ${describe(value)}`,
      );
    }
  }
  // fromEntries defines own properties, so a "__proto__" key stays a plain key.
  return Object.fromEntries(Object.entries(entry as Record<string, string>));
}

function readTensorEntry(
  name: string,
  entry: unknown,
  dataBytes: number,
): { dtype: Dtype; shape: number[]; begin: number; end: number } {
  const label = `tensor ${JSON.stringify(name)}`;
  if (!isPlainObject(entry)) throw new SafetensorsError(`${label}: entry must be an object`);
  const { dtype, shape, data_offsets: offsets } = entry;

  if (typeof dtype !== 'string') {
    throw new SafetensorsError(`${label}: dtype must be a string, found ${describe(dtype)}`);
  }
  if (!isSupportedDtype(dtype)) {
    throw new SafetensorsError(
      `${label}: dtype ${JSON.stringify(dtype)} is not supported (supported: ${SUPPORTED_DTYPES.join(', ')})`,
    );
  }
  if (!Array.isArray(shape)) {
    throw new SafetensorsError(`${label}: shape must be an array, found ${describe(shape)}`);
  }
  shape.forEach((dim: unknown, axis) => {
    if (!isCount(dim)) {
      throw new SafetensorsError(
        `${label}: shape[${axis}] must be a non-negative integer, found ${describe(dim)}`,
      );
    }
  });
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new SafetensorsError(
      `${label}: data_offsets must be [begin, end] of non-negative integers, found ${describe(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    throw new SafetensorsError(`${label}: data_offsets [${begin}, ${end}] end before they begin`);
  }
  if (end > dataBytes) {
    throw new SafetensorsError(
      `${label}: data_offsets [${begin}, ${end}] run past the ${dataBytes} bytes of data (truncated?)`,
    );
  }
  const dims = shape as number[];
  const expected = byteSize(dims, DTYPE_BYTES[dtype]);
  if (expected !== end - begin) {
    throw new SafetensorsError(
      `${label}: shape [${dims.join(', ')}] of ${dtype} needs ${expected ?? 'more than 2^53'} bytes, but data_offsets [${begin}, ${end}] give ${end - begin}`,
    );
  }
  return { dtype, shape: [...dims], begin, end };
}

// product(shape) * itemSize, or null if it leaves the safe-integer range.
function byteSize(shape: readonly number[], itemSize: number): number | null {
  if (shape.includes(0)) return 0;
  let size = itemSize;
  for (const dim of shape) {
    size *= dim;
    if (!Number.isSafeInteger(size)) return null;
  }
  return size;
}

function checkExactTiling(spans: { name: string; begin: number; end: number }[], dataBytes: number): void {
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: string | null = null;
  for (const { name, begin, end } of spans) {
    if (begin < cursor) {
      throw new SafetensorsError(
        `tensor ${JSON.stringify(name)} [${begin}, ${end}] overlaps tensor ${JSON.stringify(previous)} which ends at ${cursor}`,
      );
    }
    if (begin > cursor) {
      throw new SafetensorsError(
        `gap in the data: bytes [${cursor}, ${begin}) before tensor ${JSON.stringify(name)} belong to no tensor`,
      );
    }
    cursor = end;
    previous = name;
  }
  if (cursor !== dataBytes) {
    throw new SafetensorsError(
      `tensors cover ${cursor} bytes of data but the file holds ${dataBytes} after the header`,
    );
  }
}

function makeFile(
  file: Uint8Array,
  headerBytes: number,
  metadata: Record<string, string>,
  tensors: Map<string, TensorInfo>,
): SafetensorsFile {
  const tensor = (name: string): TensorInfo => {
    const info = tensors.get(name);
    if (info) return info;
    const known = [...tensors.keys()].slice(0, 8).map((n) => JSON.stringify(n));
    const more = tensors.size > known.length ? ', ...' : '';
    throw new SafetensorsError(
      `no tensor named ${JSON.stringify(name)} (the file has ${tensors.size}: ${known.join(', ')}${more})`,
    );
  };
  const bytes = (name: string): Uint8Array => {
    const info = tensor(name);
    return file.subarray(info.byteOffset, info.byteOffset + info.byteLength);
  };
  const toFloat32 = (name: string): Float32Array<ArrayBuffer> => {
    const info = tensor(name);
    return decodeToFloat32(bytes(name), info.dtype);
  };
  return { headerBytes, metadata, tensors, tensor, bytes, toFloat32 };
}

// ---------------------------------------------------------------- dtype conversion

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function decodeToFloat32(raw: Uint8Array, dtype: Dtype): Float32Array<ArrayBuffer> {
  // Copy into a fresh, aligned buffer: the tensor's offset in the file may be odd.
  const aligned = raw.slice().buffer;
  if (dtype === 'F32') {
    if (HOST_IS_LITTLE_ENDIAN) return new Float32Array(aligned);
    const view = new DataView(aligned);
    return Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
  }
  const halves = readUint16LittleEndian(aligned);
  const out = new Float32Array(halves.length);
  if (dtype === 'BF16') {
    const outBits = new Uint32Array(out.buffer);
    for (let i = 0; i < halves.length; i++) outBits[i] = halves[i]! << 16;
  } else {
    const table = f16Table();
    for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]!]!;
  }
  return out;
}

function readUint16LittleEndian(buffer: ArrayBuffer): Uint16Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint16Array(buffer);
  const view = new DataView(buffer);
  return Uint16Array.from({ length: buffer.byteLength / 2 }, (_, i) => view.getUint16(2 * i, true));
}

let f16LookupTable: Float32Array | null = null;

// All 65536 half-precision values, built once (256 KiB); a lookup beats bit twiddling per weight.
function f16Table(): Float32Array {
  if (!f16LookupTable) {
    f16LookupTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) f16LookupTable[bits] = f16ToF32(bits);
  }
  return f16LookupTable;
}

/** IEEE binary16 bits → the exact number (subnormals, ±0, ±Infinity, NaN). */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

const scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 bits → the exact number: the upper half of an IEEE binary32. */
export function bf16ToF32(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) << 16);
  return scratch.getFloat32(0);
}

/** A number → binary16 bits, rounded once to nearest even; overflow gives ±Infinity. */
export function f32ToF16(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return sign | 0x7c00;
  // Below 2^-14 the grid is 2^-24; rounding up to 1024 lands exactly on the smallest normal.
  if (magnitude < 2 ** -14) return sign | roundHalfEven(magnitude * 2 ** 24);
  let exponent = Math.floor(Math.log2(magnitude));
  while (2 ** exponent > magnitude) exponent--;
  while (2 ** (exponent + 1) <= magnitude) exponent++;
  if (exponent > 15) return sign | 0x7c00;
  // 11 significant bits in [1024, 2048]; 2048 carries into the exponent field by itself.
  const significand = roundHalfEven(magnitude / 2 ** (exponent - 10));
  const bits = ((exponent + 15) << 10) + significand - 1024;
  return sign | Math.min(bits, 0x7c00);
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** A number → bfloat16 bits, rounded to nearest even; NaN stays a quiet NaN. */
export function f32ToBf16(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return ((bits >>> 16) | 0x40) & 0xffff;
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

// ---------------------------------------------------------------- writing

export interface TensorToWrite {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Raw little-endian elements: a Float32Array for F32, a Uint16Array of bits for F16/BF16. */
  readonly data: ArrayBufferView;
}

/**
 * Serialises tensors in the standard layout. Header keys are sorted by name; data is laid
 * out by element size (largest first) and then name, so every tensor is aligned to its
 * element size; the header is padded with spaces to a multiple of 8 bytes.
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, TensorToWrite> | Readonly<Record<string, TensorToWrite>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array<ArrayBuffer> {
  const entries: [string, TensorToWrite][] =
    tensors instanceof Map
      ? [...(tensors as ReadonlyMap<string, TensorToWrite>).entries()]
      : Object.entries(tensors as Readonly<Record<string, TensorToWrite>>);
  for (const [name, tensor] of entries) validateTensorToWrite(name, tensor);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(`metadata value for ${JSON.stringify(key)} must be a string`);
    }
  }

  const layout = [...entries].sort(
    ([nameA, a], [nameB, b]) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || compareNames(nameA, nameB),
  );
  const offsets = new Map<string, [number, number]>();
  let dataBytes = 0;
  for (const [name, tensor] of layout) {
    offsets.set(name, [dataBytes, dataBytes + tensor.data.byteLength]);
    dataBytes += tensor.data.byteLength;
  }

  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  for (const [name, tensor] of [...entries].sort(([a], [b]) => compareNames(a, b))) {
    header[name] = { dtype: tensor.dtype, shape: [...tensor.shape], data_offsets: offsets.get(name) };
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = Math.ceil(json.byteLength / 8) * 8;

  const out = new Uint8Array(HEADER_LENGTH_BYTES + headerBytes + dataBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes, true);
  view.setUint32(4, 0, true);
  out.set(json, HEADER_LENGTH_BYTES);
  out.fill(0x20, HEADER_LENGTH_BYTES + json.byteLength, HEADER_LENGTH_BYTES + headerBytes);
  const dataStart = HEADER_LENGTH_BYTES + headerBytes;
  for (const [name, tensor] of layout) {
    const [begin] = offsets.get(name)!;
    out.set(littleEndianBytes(tensor), dataStart + begin);
  }
  return out;
}

function validateTensorToWrite(name: string, tensor: TensorToWrite): void {
  const label = `tensor ${JSON.stringify(name)}`;
  if (name === METADATA_KEY) throw new SafetensorsError(`${label}: the name is reserved`);
  const dtype: unknown = tensor.dtype;
  if (!isSupportedDtype(dtype)) {
    throw new SafetensorsError(`${label}: dtype ${JSON.stringify(dtype)} is not supported`);
  }
  if (!tensor.shape.every((dim) => isCount(dim))) {
    throw new SafetensorsError(`${label}: shape [${tensor.shape.join(', ')}] has an invalid dimension`);
  }
  const expected = byteSize(tensor.shape, DTYPE_BYTES[tensor.dtype]);
  if (expected !== tensor.data.byteLength) {
    throw new SafetensorsError(
      `${label}: shape [${tensor.shape.join(', ')}] of ${tensor.dtype} needs ${expected} bytes, data has ${tensor.data.byteLength}`,
    );
  }
}

function littleEndianBytes(tensor: TensorToWrite): Uint8Array {
  const raw = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  const itemSize = DTYPE_BYTES[tensor.dtype];
  if (HOST_IS_LITTLE_ENDIAN || tensor.data instanceof Uint8Array) return raw;
  const swapped = raw.slice();
  for (let i = 0; i < swapped.length; i += itemSize) swapped.subarray(i, i + itemSize).reverse();
  return swapped;
}

// Code-unit order, the same on every engine (localeCompare is not).
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------- small predicates

function isSupportedDtype(dtype: unknown): dtype is Dtype {
  return typeof dtype === 'string' && (SUPPORTED_DTYPES as readonly string[]).includes(dtype);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
