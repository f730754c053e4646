/**
 * Entry of a media worker thread (started by MediaWorkerPool): one Sfu on its own UDP port, driven by
 * messages from the main thread (messages.ts).
 *
 * node-datachannel must be loaded as this thread's private copy before anything imports it, hence
 * the dynamic import after loadPrivateNativeAddon().
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MediaWorkerData } from './messages.js';
import { loadPrivateNativeAddon } from './private-native-addon.js';

if (!parentPort) throw new Error('media-worker.ts runs inside a worker thread only.');
loadPrivateNativeAddon();
const { serveMediaPlane } = await import('./serve-media-plane.js');
await serveMediaPlane(parentPort, workerData as MediaWorkerData);
