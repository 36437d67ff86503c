import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The web app is served by npsloop's own server under /app/ (api/routes/web-app.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/app/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Pages load their heavy parts on demand; the largest, the rule editor (CodeMirror), is ~440 kB
    // minified (~140 kB gzip). The budget that counts, 300 kB gzip of JavaScript on a page's first
    // load, is checked by the browser tests; this warns when a chunk grows well past today's.
    chunkSizeWarningLimit: 550,
  },
  server: {
    // `npx vite web` during development: the API is npsloop's server, started by npm start.
    proxy: { '^/(?!app/)': { target: process.env.NPSLOOP_API_URL ?? 'http://127.0.0.1:3000' } },
  },
});
