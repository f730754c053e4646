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
    // Reproducible: map paths independent of where the checkout and the output are (docs/verify-client.md).
    rolldownOptions: { output: { sourcemapPathTransform: sourceMapPath } },
  },
  worker: { rolldownOptions: { output: { sourcemapPathTransform: sourceMapPath } } },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/ws': { target: 'ws://127.0.0.1:3000', ws: true } } },
});
