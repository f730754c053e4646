import type { WebSocket } from 'ws';

/** How often an idle signaling socket is probed (ms): below the usual 60 s proxy idle timeouts. */
export const KEEP_ALIVE_INTERVAL_MS = 20_000;

/**
 * Pings the socket every `intervalMs` and terminates it when the previous ping went unanswered.
 * Keeps reverse proxies from closing quiet meetings' sockets, and notices a browser that vanished
 * without closing (laptop lid, lost network) within two intervals instead of at TCP's timeout, so
 * its participant leaves and the others stop waiting for it. Browsers answer pings on their own.
 * Returns a function that stops the probing.
 */
export function keepAlive(socket: WebSocket, intervalMs = KEEP_ALIVE_INTERVAL_MS): () => void {
  let answered = true;
  const onPong = () => {
    answered = true;
  };
  socket.on('pong', onPong);
  const timer = setInterval(() => {
    if (socket.readyState !== socket.OPEN) return;
    if (!answered) {
      socket.terminate();
      return;
    }
    answered = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    socket.off('pong', onPong);
  };
  socket.once('close', stop);
  return stop;
}
