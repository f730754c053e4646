// The protocol by feature: each file declares its requests (with results and who may make them) and
// events; messages.ts joins them. Shared building blocks are common.ts, errors.ts and close-codes.ts.
export * from './admin.js';
export * from './breakout.js';
export * from './chat.js';
export * from './close-codes.js';
export * from './common.js';
export * from './e2ee.js';
export * from './errors.js';
export * from './feature.js';
export * from './http.js';
export * from './kept-rooms.js';
export * from './lobby.js';
export * from './media.js';
export * from './media-quality.js';
export * from './meeting-life.js';
export * from './messages.js';
export * from './moderation.js';
export * from './polls.js';
export * from './privacy.js';
export * from './recording.js';
export * from './session.js';
