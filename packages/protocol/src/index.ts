export * from './admin.js';
export * from './client.js';
export * from './common.js';
export * from './e2ee.js';
export * from './http.js';
export * from './media-quality.js';
export * from './meeting-life.js';
export * from './server.js';
