import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { securityHeaders } from './scripts/security-headers.js';

// Cross-origin isolation (SharedArrayBuffer, threaded wasm) and the CSP are the same in dev,
// preview and the static server (scripts/serve.mjs).
export default defineConfig({
  plugins: [
    svelte(),
    // The app shell works offline from a precache; the weights live in IndexedDB (src/storage),
    // so model folders stay out of it. The model list is precached so an offline start finds them.
    VitePWA({
      registerType: 'autoUpdate',
      // registerSW.js, an external script: the CSP allows no inline one.
      injectRegister: 'script',
      manifest: false,
      workbox: {
        globPatterns: ['**/*.{js,css,html,wasm,svg,png,ico,webmanifest}', 'models/index.json'],
        globIgnores: ['models/*/**/*'],
        // Bigger files are left out of the precache (with a build warning), not failed on.
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
