// Hand-assembles safetensors bytes from any header, so tests can write files the writer refuses.
export function buildFile(header: unknown, dataBytes: Uint8Array | number = 0): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const data = typeof dataBytes === 'number' ? new Uint8Array(dataBytes) : dataBytes;
  return withHeaderLength(json.byteLength, json, data);
}

// An 8-byte little-endian length that may disagree with the bytes that follow it.
export function withHeaderLength(
  declared: number,
  json: Uint8Array,
  data: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, declared % 2 ** 32, true);
  view.setUint32(4, Math.floor(declared / 2 ** 32), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}
