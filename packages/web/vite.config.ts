import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { clientManifest, sourceMapPath } from './build/client-manifest';

export default defineConfig({
  plugins: [preact(), clientManifest()],
  resolve: { conditions: ['parley-source'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // MediaPipe's files stay files, however small: its runtime fetches them, and the CSP's
    // connect-src admits Parley's origin only, not data: URLs.
    assetsInlineLimit: (file) => (file.includes('/@mediapipe/') ? false : undefined),
    // Reproducible: map paths independent of where the checkout and the output are (docs/verify-client.md).
    // Maps name the repository's files but do not carry their text: the source is public at the
    // manifest's commit, and the served files hold only code that runs (no test-build code either).
    rolldownOptions: { output: { sourcemapPathTransform: sourceMapPath, sourcemapExcludeSources: true } },
  },
  worker: {
    rolldownOptions: { output: { sourcemapPathTransform: sourceMapPath, sourcemapExcludeSources: true } },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/ws': { target: 'ws://127.0.0.1:3000', ws: true } } },
});
