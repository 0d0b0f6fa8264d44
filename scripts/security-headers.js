// The headers every Tessera page is served with.
// COOP + COEP make the page cross-origin isolated; the CSP allows no inline script and no
// eval: 'wasm-unsafe-eval' is what compiling onnxruntime-web's WebAssembly needs.
/** @param {{ dev: boolean }} options */
export function securityHeaders({ dev }) {
  const scriptSrc = ["'self'", "'wasm-unsafe-eval'"];
  // Vite's dev client injects inline styles and talks over a websocket.
  const connectSrc = dev ? ["'self'", 'ws:', 'https:'] : ["'self'", 'https:'];
  const csp = [
    "default-src 'self'",
    `script-src ${scriptSrc.join(' ')}`,
    `worker-src 'self' blob:`,
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data: blob:`,
    `media-src 'self' blob:`,
    `connect-src ${connectSrc.join(' ')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}
