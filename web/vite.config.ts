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
    // Pages load their heavy parts (editor, charts) on demand; this warns when a chunk grows past it.
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npx vite web` during development: the API is npsloop's server, started by npm start.
    proxy: { '^/(?!app/)': { target: process.env.NPSLOOP_API_URL ?? 'http://127.0.0.1:3000' } },
  },
});
