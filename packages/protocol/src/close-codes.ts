/**
 * WebSocket close codes of the signaling connection (docs/protocol.md lists them): the server closes
 * with these, the web app tells the person why and decides whether to reconnect. 1000–1013 are the
 * WebSocket standard's (RFC 6455, 7.4.1); 4000–4999 are Parley's own.
 */
export const CloseCode = {
  /** A normal close: the app left, or a connection that is done. */
  normal: 1000,
  /** Going away: the server shuts down (`room-closed` with `server-shutdown` first), or a forwarded browser left. */
  goingAway: 1001,
  /** No close frame arrived (set by the browser, never sent): the network or the server went. */
  abnormal: 1006,
  /** Cluster: no node can take the meeting just now; the app tries again. */
  tryAgain: 1013,
  mediaLost: 4001,
  unsupportedVersion: 4002,
  /** A moderator removed the participant (`removed` event first). */
  removed: 4003,
  /** A knocking guest was turned away: denied, meeting locked or ended (`join-denied` event first). */
  turnedAway: 4004,
  /** A moderator ended the meeting for everyone (`room-closed` event first). */
  meetingEnded: 4005,
  /** The same person came back on a new connection with their resume token; this one is stale. */
  replaced: 4006,
  /**
   * Cluster: this node is shutting down (SIGTERM) and hands its meetings on. Not an ending: the app
   * resumes with its token and reaches the node that hosts the meeting next (docs/cluster.md).
   */
  nodeDraining: 4007,
  /** The connection did not ask to join a meeting in time (PARLEY_JOIN_DEADLINE_S). */
  joinDeadline: 4008,
  /** Too many open connections from this network (PARLEY_MAX_CONNECTIONS_PER_ADDRESS). */
  tooManyConnections: 4009,
  /** The client kept sending far beyond its message or byte rate. */
  flooding: 4010,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
