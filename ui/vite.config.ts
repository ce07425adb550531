import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The bundled CJK font ships as woff2 only: every webview Petition Desk runs in reads woff2, and
// the .woff fallbacks @fontsource lists would double the app's size for nothing.
function woff2Only(): Plugin {
  return {
    name: 'woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('@fontsource') || !id.endsWith('.css')) return null;
      return { code: code.replace(/,\s*url\([^)]*\.woff\)\s*format\(['"]woff['"]\)/g, ''), map: null };
    },
  };
}

export default defineConfig({
  plugins: [woff2Only(), svelte()],
  clearScreen: false,
  // The message catalogue lives with the Rust crates that read it too (crates/messages).
  server: { fs: { allow: ['.', '../crates/messages/locales'] } },
  build: {
    target: 'safari15',
    outDir: 'dist',
    emptyOutDir: true,
    // Fonts are split by unicode-range and loaded on demand; never inline them into the CSS.
    assetsInlineLimit: 0,
  },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', environment: 'node', include: ['src/**/*.test.ts'], exclude: ['src/**/*.dom.test.ts'] },
      },
      {
        // Components mounted in a DOM: Svelte's browser build, jsdom for the document.
        extends: true,
        resolve: { conditions: ['browser'] },
        test: { name: 'dom', environment: 'jsdom', include: ['src/**/*.dom.test.ts'] },
      },
    ],
  },
});
