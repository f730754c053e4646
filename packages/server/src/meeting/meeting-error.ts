import type { ErrorCode } from '@parley/protocol';

/** A request the meeting refuses, with a readable reason; the signaling session sends it as the error reply. */
export class MeetingError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For throttling: seconds before trying again is worthwhile. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
