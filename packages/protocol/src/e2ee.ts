import { z } from 'zod';
import { EmptyResult, ParticipantId, RequestId } from './common.js';
import { defineRequests, request } from './feature.js';

/**
 * End-to-end encryption (docs/e2ee.md). The server is only the MLS delivery service: it orders
 * commits, relays welcomes and encrypted chat, and never sees a key. Every MLS blob travels as
 * base64 text; the server does not parse it.
 */

/** One encoded MLS message (key package, commit, welcome or application message), base64. */
export const MlsBlob = z
  .string()
  .min(1)
  .max(96 * 1024)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'Expected base64.');
/** The group's epoch as the delivery service counts it (the number of accepted commits). */
export const E2eeEpoch = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** `off`: media and chat in the clear. `pending`: switching on. `on`: every client encrypts. */
export const E2eeRoomState = z.enum(['off', 'pending', 'on']);
export type E2eeRoomState = z.infer<typeof E2eeRoomState>;

// ---- Requests (any participant) ----

/** Switch end-to-end encryption on for the whole meeting. */
export const E2eeEnableRequest = z.object({ type: z.literal('e2ee-enable'), id: RequestId });
/**
 * Switch it off again: an explicit act every screen announces. `proof` is an MLS application message
 * `{"kind":"e2ee-off","epoch":n}` signed by the member; every client checks it against the group's
 * switch-off policy before changing anything (docs/e2ee.md).
 */
export const E2eeDisableRequest = z.object({
  type: z.literal('e2ee-disable'),
  id: RequestId,
  proof: MlsBlob,
});
/** This client's fresh MLS key package, sent while it is not (yet) in the group. */
export const E2eeKeyPackageRequest = z.object({
  type: z.literal('e2ee-key-package'),
  id: RequestId,
  keyPackage: MlsBlob,
});
/**
 * The commit the server asked for (`e2ee-commit-request`), built on `epoch`. The first valid commit
 * for an epoch wins; a late or stale one is answered `accepted: false` and must be thrown away.
 */
export const E2eeCommitRequest = z.object({
  type: z.literal('e2ee-commit'),
  id: RequestId,
  epoch: E2eeEpoch,
  commit: MlsBlob.optional(),
  welcome: MlsBlob.optional(),
});
/** The client installed the receive keys of `epoch`: the server may tell everyone to switch. */
export const E2eeReadyRequest = z.object({ type: z.literal('e2ee-ready'), id: RequestId, epoch: E2eeEpoch });
/** An encrypted chat message (an MLS application message) to everyone or to one participant. */
export const E2eeChatSendRequest = z.object({
  type: z.literal('e2ee-chat-send'),
  id: RequestId,
  ciphertext: MlsBlob,
  to: ParticipantId.optional(),
});

// ---- Results ----

export const E2eeCommitResult = z.object({ accepted: z.boolean() });
export const E2eeChatSendResult = z.object({ messageId: z.string() });

// ---- Events ----

/** The meeting's encryption state changed, or a joiner learns it (sent right after `joined`). */
export const E2eeStateEvent = z.object({
  type: z.literal('e2ee-state'),
  state: E2eeRoomState,
  /** Who switched it on or off, when this event reports that act (the server's claim). */
  by: ParticipantId.nullable(),
  /** With `off`: the member's signed switch-off, relayed as sent. Without it `off` proves nothing. */
  proof: MlsBlob.optional(),
});
/** To one group member (or the creator): commit these changes on top of `epoch`. */
export const E2eeCommitRequestEvent = z.object({
  type: z.literal('e2ee-commit-request'),
  epoch: E2eeEpoch,
  /** Start a new group with oneself as its first member, then add the others. */
  create: z.boolean(),
  add: z.array(z.object({ participantId: ParticipantId, keyPackage: MlsBlob })),
  remove: z.array(ParticipantId),
});
/** To every group member but the committer: the accepted commit that leads from `epoch` to `epoch + 1`. */
export const E2eeCommitEvent = z.object({
  type: z.literal('e2ee-commit'),
  epoch: E2eeEpoch,
  commit: MlsBlob,
});
/** To the participants a commit added: the welcome into epoch `epoch`. */
export const E2eeWelcomeEvent = z.object({
  type: z.literal('e2ee-welcome'),
  epoch: E2eeEpoch,
  welcome: MlsBlob,
});
/** Every member has the keys of `epoch` (or the wait timed out): senders switch to it now. */
export const E2eeExecuteEvent = z.object({ type: z.literal('e2ee-execute'), epoch: E2eeEpoch });
/** An encrypted chat message; the server saw only its length. */
export const E2eeChatMessageEvent = z.object({
  type: z.literal('e2ee-chat-message'),
  message: z.object({
    id: z.string().min(1).max(32),
    from: ParticipantId,
    to: ParticipantId.nullable(),
    ciphertext: MlsBlob,
    sentAt: z.number(),
  }),
});

/** Every request here is for any participant (who may switch encryption off is the group's policy). */
export const E2eeRequests = defineRequests({
  'e2ee-enable': request(E2eeEnableRequest, EmptyResult),
  'e2ee-disable': request(E2eeDisableRequest, EmptyResult),
  'e2ee-key-package': request(E2eeKeyPackageRequest, EmptyResult),
  'e2ee-commit': request(E2eeCommitRequest, E2eeCommitResult),
  'e2ee-ready': request(E2eeReadyRequest, EmptyResult),
  'e2ee-chat-send': request(E2eeChatSendRequest, E2eeChatSendResult),
});
export const E2eeEvents = [
  E2eeStateEvent,
  E2eeCommitRequestEvent,
  E2eeCommitEvent,
  E2eeWelcomeEvent,
  E2eeExecuteEvent,
  E2eeChatMessageEvent,
] as const;
