/**
 * Why a media plane request was refused. The control plane maps every code to the protocol's
 * `negotiation-failed` (or `not-joined` for `unknown-participant`); the message is safe to show to the
 * client (it never contains SDP, addresses or names).
 */
export type MediaErrorCode = 'bad-sdp' | 'unknown-participant' | 'wrong-state' | 'closed';

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
