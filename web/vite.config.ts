/// <reference types="vitest/config" />
// Builds the console into dist/: index.html plus content-hashed files under assets/, which
// `bulwark serve` sends with long cache lifetimes. Nothing is inlined (no data: URLs, no inline
// scripts), so the server's Content-Security-Policy can stay at default-src 'self'.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    // `npm run dev` against a `bulwark serve` on the default address.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    // Unit tests only; the browser tests under tests/ run against a real server.
    include: ['src/**/*.test.ts'],
  },
});
