import { CloseCode } from '@parley/protocol';

/** After this long without getting back in, the app stops trying and offers "Rejoin". */
export const RECONNECT_GIVE_UP_MS = 60_000;
/** One attempt to open the signaling socket may take this long before the next one. */
export const RECONNECT_ATTEMPT_TIMEOUT_MS = 5_000;

const BACKOFF_MS = [500, 1000, 2000, 4000];
const STEADY_MS = 5000;

/**
 * How long to wait before reconnection attempt `attempt` (0 first): quickly at first — most drops
 * are a blip or a server restarting — then every 5 seconds so a returning server is not flooded.
 */
export function reconnectDelay(attempt: number): number {
  return BACKOFF_MS[attempt] ?? STEADY_MS;
}

/**
 * WebSocket close codes after which coming back on our own is pointless: another connection took
 * our place (`replaced`: resumed elsewhere with our token), or the server speaks another protocol.
 * Removal and a meeting's end come with their own events, which end the meeting first.
 */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([CloseCode.unsupportedVersion, CloseCode.replaced]);

export function mayReconnectAfter(closeCode: number): boolean {
  return !FINAL_CLOSE_CODES.has(closeCode);
}
