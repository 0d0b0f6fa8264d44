// WebCrypto's digest is one-shot (no streaming), so callers hash whole buffers or chunks.

const SHA256_HEX = /^[0-9a-f]{64}$/;

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // digest() refuses views of a SharedArrayBuffer; copy those.
  const digestible = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
  const digest = await crypto.subtle.digest('SHA-256', digestible);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Lower-cases a hex digest; null when it is not 64 hex digits. */
export function normalizeSha256(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const lower = value.trim().toLowerCase();
  return SHA256_HEX.test(lower) ? lower : null;
}
