export * from './client.js';
export * from './common.js';
export * from './http.js';
export * from './server.js';
