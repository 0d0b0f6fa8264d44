import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { securityHeaders } from './scripts/security-headers.js';

// Cross-origin isolation (SharedArrayBuffer, threaded wasm) and the CSP are the same in dev,
// preview and the static server (scripts/serve.mjs).
export default defineConfig({
  plugins: [
    svelte(),
    // The app shell works offline from a precache; the weights (and model.onnx) live in IndexedDB
    // (src/storage), so model folders stay out of it. The model list is precached so an offline
    // start finds them. onnxruntime-web's runtimes (14 and 28 MB of wasm) load only when an ONNX
    // backend runs: kept out of the precache, cached at runtime on first use instead.
    VitePWA({
      registerType: 'autoUpdate',
      // registerSW.js, an external script: the CSP allows no inline one.
      injectRegister: 'script',
      manifest: false,
      workbox: {
        globPatterns: ['**/*.{js,css,html,wasm,svg,png,ico,webmanifest}', 'models/index.json'],
        globIgnores: ['models/*/**/*', 'assets/ort-wasm-*'],
        runtimeCaching: [
          {
            urlPattern: /\/assets\/ort-wasm-[^/]*\.(?:wasm|mjs)$/,
            handler: 'CacheFirst',
            // Hashed names: a new version's files are new entries; the old ones age out.
            options: { cacheName: 'tessera-onnxruntime', expiration: { maxEntries: 8 } },
          },
        ],
        // A bigger file in the precache fails the build (vite-plugin-pwa 2): keep it out above.
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        navigateFallbackDenylist: [/^\/models\//],
        // autoUpdate: a new version takes over open tabs at once, without reloading them
        // (the plugin sets these itself only when it injects the registration automatically).
        skipWaiting: true,
        clientsClaim: true,
      },
    }),
  ],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { headers: securityHeaders({ dev: true }) },
  preview: { headers: securityHeaders({ dev: false }) },
});
