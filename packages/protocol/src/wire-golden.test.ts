import { describe, expect, it } from 'vitest';
import {
  ClientMessage,
  type ClientRequestType,
  MODERATOR_REQUESTS,
  Requests,
  ServerEvent,
  ServerMessage,
} from './index.js';

/**
 * The wire, written out: one representative message of every request, result and event type, as the
 * exact JSON text that travels. Each must parse through today's schemas and come out byte for byte the
 * same, and the lists must name every type the protocol has, so renaming a type, a field or a literal
 * (or moving a message between features) cannot change the wire without this test failing.
 */

const P = 'p1';
const Q = 'p2';
const B64 = 'AAEC';
const PERSON = `{"id":"${P}","displayName":"Ada","role":"moderator","tracks":[{"source":"mic","kind":"audio","muted":false}],"hardMuted":false,"unmuteRequested":false}`;
const SETTINGS = '{"passwordSet":true,"lobbyEnabled":false,"locked":false,"chatHistory":true}';
const CHAT = `{"id":"m1","from":"${P}","fromName":"Ada","to":null,"text":"hello","sentAt":1700000000000}`;
const POLL_OPEN = `{"kind":"poll-open","poll":{"id":"poll-0001","question":"Lunch?","options":["yes","no"],"multiple":false,"anonymous":true,"results":"live"},"again":false}`;

/** Every request type with one message and one result, each exactly as sent. */
const REQUESTS: Record<string, [request: string, result: string]> = {
  join: [
    '{"type":"join","id":1,"protocolVersion":1,"room":"standup","displayName":"Ada","password":"pw","invitation":"tok","clientKey":"0123456789abcdef","e2ee":true,"resume":"r","grant":"g"}',
    '{"status":"lobby"}',
  ],
  publish: [
    '{"type":"publish","id":2,"sdp":"v=0","tracks":[{"mid":"0","source":"mic","muted":true},{"mid":"1","source":"camera"}]}',
    '{"sdp":"v=0"}',
  ],
  subscribe: ['{"type":"subscribe","id":3,"sdp":"v=0"}', '{"sdp":"v=0"}'],
  'subscriber-answer': ['{"type":"subscriber-answer","id":4,"sdp":"v=0"}', '{}'],
  'set-muted': ['{"type":"set-muted","id":5,"source":"camera","muted":true}', '{}'],
  leave: ['{"type":"leave","id":6}', '{}'],
  'set-password': ['{"type":"set-password","id":7,"password":null}', '{}'],
  'set-lobby': ['{"type":"set-lobby","id":8,"enabled":true}', '{}'],
  'lobby-admit': [`{"type":"lobby-admit","id":9,"entryId":"${Q}"}`, '{}'],
  'lobby-deny': [`{"type":"lobby-deny","id":10,"entryId":"${Q}"}`, '{}'],
  'set-locked': ['{"type":"set-locked","id":11,"locked":true}', '{}'],
  'invite-create': [
    '{"type":"invite-create","id":12,"expiresInSeconds":3600,"singleUse":true}',
    '{"url":"https://x/r/standup?invite=t","token":"t","expiresAt":1700000000000,"singleUse":true}',
  ],
  'invite-revoke-all': ['{"type":"invite-revoke-all","id":13}', '{}'],
  kick: [`{"type":"kick","id":14,"participantId":"${Q}"}`, '{}'],
  mute: [`{"type":"mute","id":15,"participantId":"${Q}","hard":true}`, '{}'],
  'mute-all': ['{"type":"mute-all","id":16,"hard":false}', '{}'],
  'allow-unmute': [`{"type":"allow-unmute","id":17,"participantId":"${Q}"}`, '{}'],
  'set-role': [`{"type":"set-role","id":18,"participantId":"${Q}","role":"moderator"}`, '{}'],
  'end-meeting': ['{"type":"end-meeting","id":19}', '{}'],
  'set-chat-history': ['{"type":"set-chat-history","id":20,"enabled":true}', '{}'],
  'chat-clear': ['{"type":"chat-clear","id":21}', '{}'],
  'request-unmute': ['{"type":"request-unmute","id":22}', '{}'],
  'chat-send': [`{"type":"chat-send","id":23,"text":"hi","to":"${Q}"}`, '{"messageId":"m1"}'],
  'chat-delete': ['{"type":"chat-delete","id":24,"messageId":"m1"}', '{}'],
  'e2ee-enable': ['{"type":"e2ee-enable","id":25}', '{}'],
  'e2ee-disable': [`{"type":"e2ee-disable","id":26,"proof":"${B64}"}`, '{}'],
  'e2ee-key-package': [`{"type":"e2ee-key-package","id":27,"keyPackage":"${B64}"}`, '{}'],
  'e2ee-commit': [
    `{"type":"e2ee-commit","id":28,"epoch":3,"commit":"${B64}","welcome":"${B64}"}`,
    '{"accepted":true}',
  ],
  'e2ee-ready': ['{"type":"e2ee-ready","id":29,"epoch":4}', '{}'],
  'e2ee-chat-send': [
    `{"type":"e2ee-chat-send","id":30,"ciphertext":"${B64}","to":"${Q}"}`,
    '{"messageId":"m2"}',
  ],
  'set-hand': ['{"type":"set-hand","id":31,"raised":true}', '{}'],
  'lower-hand': [`{"type":"lower-hand","id":32,"participantId":"${Q}"}`, '{}'],
  'send-reaction': ['{"type":"send-reaction","id":33,"reaction":"clap"}', '{}'],
  'video-size': [
    `{"type":"video-size","id":34,"participantId":"${Q}","source":"camera","width":640,"height":360}`,
    '{}',
  ],
  'video-reception': ['{"type":"video-reception","id":35,"mode":"low"}', '{}'],
  'poll-send': [`{"type":"poll-send","id":36,"message":${POLL_OPEN}}`, '{}'],
  'breakout-create': ['{"type":"breakout-create","id":37,"count":2,"names":["Red","Blue"]}', '{}'],
  'breakout-assign': [
    `{"type":"breakout-assign","id":38,"assignments":[{"participantId":"${Q}","roomId":"b1"},{"participantId":"${P}","roomId":null}]}`,
    '{}',
  ],
  'breakout-assign-random': ['{"type":"breakout-assign-random","id":39}', '{}'],
  'breakout-allow-choice': ['{"type":"breakout-allow-choice","id":40,"allowed":true}', '{}'],
  'breakout-open': ['{"type":"breakout-open","id":41,"seconds":600}', '{}'],
  'breakout-timer': ['{"type":"breakout-timer","id":42,"seconds":null}', '{}'],
  'breakout-close': ['{"type":"breakout-close","id":43}', '{}'],
  'breakout-broadcast': ['{"type":"breakout-broadcast","id":44,"text":"Five minutes left"}', '{}'],
  'breakout-visit': ['{"type":"breakout-visit","id":45,"roomId":"b1"}', '{}'],
  'breakout-choose': ['{"type":"breakout-choose","id":46,"roomId":null}', '{}'],
  'breakout-help': ['{"type":"breakout-help","id":47}', '{}'],
  'recording-start': ['{"type":"recording-start","id":48}', '{}'],
  'recording-stop': ['{"type":"recording-stop","id":49}', '{}'],
  'recording-consent': ['{"type":"recording-consent","id":50,"accept":false}', '{}'],
  'recording-permit': [`{"type":"recording-permit","id":51,"participantId":"${Q}","allowed":true}`, '{}'],
};

/** The requests only a moderator may make, as the wire has them today. */
const MODERATOR_ONLY = [
  'set-password',
  'set-lobby',
  'lobby-admit',
  'lobby-deny',
  'set-locked',
  'invite-create',
  'invite-revoke-all',
  'kick',
  'mute',
  'mute-all',
  'allow-unmute',
  'set-role',
  'end-meeting',
  'set-chat-history',
  'chat-clear',
  'lower-hand',
  'breakout-create',
  'breakout-assign',
  'breakout-assign-random',
  'breakout-allow-choice',
  'breakout-open',
  'breakout-timer',
  'breakout-close',
  'breakout-broadcast',
  'breakout-visit',
  'recording-permit',
];

/** Every event type with one message, exactly as sent. */
const EVENTS: Record<string, string> = {
  joined: `{"type":"joined","self":${PERSON},"participants":[${PERSON}],"iceServers":[{"urls":["turn:x"],"username":"u","credential":"c"}],"iceTransportPolicy":"relay","settings":${SETTINGS},"chatHistory":[${CHAT}],"resumeToken":"rt"}`,
  'participant-joined': `{"type":"participant-joined","participant":${PERSON}}`,
  'participant-updated': `{"type":"participant-updated","participant":${PERSON}}`,
  'participant-left': `{"type":"participant-left","participantId":"${Q}"}`,
  'subscriber-offer': `{"type":"subscriber-offer","sdp":"v=0","tracks":[{"mid":"1","participantId":"${Q}","source":"camera","kind":"video"}]}`,
  'room-closed': '{"type":"room-closed","reason":"ended"}',
  'settings-updated': `{"type":"settings-updated","settings":${SETTINGS}}`,
  'lobby-updated': `{"type":"lobby-updated","entries":[{"id":"${Q}","displayName":"Bo"}]}`,
  'lobby-changed': `{"type":"lobby-changed","added":[{"id":"${Q}","displayName":"Bo"}],"removed":["p3"]}`,
  'join-denied': '{"type":"join-denied","reason":"locked"}',
  removed: '{"type":"removed"}',
  'muted-by-moderator': '{"type":"muted-by-moderator","hard":true}',
  'unmute-allowed': '{"type":"unmute-allowed"}',
  'chat-message': `{"type":"chat-message","message":${CHAT}}`,
  'chat-deleted': '{"type":"chat-deleted","messageId":"m1"}',
  'chat-cleared': '{"type":"chat-cleared"}',
  'resume-token': '{"type":"resume-token","token":"rt2"}',
  'media-restart': '{"type":"media-restart"}',
  'e2ee-state': `{"type":"e2ee-state","state":"off","by":"${P}","proof":"${B64}"}`,
  'e2ee-commit-request': `{"type":"e2ee-commit-request","epoch":2,"create":false,"add":[{"participantId":"${Q}","keyPackage":"${B64}"}],"remove":["p3"]}`,
  'e2ee-commit': `{"type":"e2ee-commit","epoch":2,"commit":"${B64}"}`,
  'e2ee-welcome': `{"type":"e2ee-welcome","epoch":3,"welcome":"${B64}"}`,
  'e2ee-execute': '{"type":"e2ee-execute","epoch":3}',
  'e2ee-chat-message': `{"type":"e2ee-chat-message","message":{"id":"m2","from":"${P}","to":null,"ciphertext":"${B64}","sentAt":1700000000000}}`,
  'hands-updated': `{"type":"hands-updated","queue":["${P}","${Q}"],"loweredByModerator":"p3"}`,
  reaction: `{"type":"reaction","participantId":"${P}","reaction":"heart"}`,
  'active-speakers': `{"type":"active-speakers","participantIds":["${Q}"]}`,
  'video-bandwidth-pause': `{"type":"video-bandwidth-pause","participantId":"${Q}","source":"camera","paused":true}`,
  'simulcast-layers': '{"type":"simulcast-layers","source":"camera","active":[true,false,true]}',
  'poll-message': `{"type":"poll-message","from":"${P}","message":${POLL_OPEN}}`,
  'breakout-state': `{"type":"breakout-state","rooms":[{"id":"b1","name":"Red","assigned":["${Q}"],"present":["Bo"]}],"open":true,"allowChoice":false,"endsAt":1700000600000,"here":{"id":"b1","name":"Red"},"mine":"b1"}`,
  'breakout-move':
    '{"type":"breakout-move","room":"standup-b1","grant":"g","breakout":{"id":"b1","name":"Red"}}',
  'breakout-message': '{"type":"breakout-message","text":"Five minutes left","from":"Ada"}',
  'breakout-warning': '{"type":"breakout-warning","secondsLeft":60}',
  'breakout-help': '{"type":"breakout-help","roomId":"b1","roomName":"Red","from":"Bo"}',
  'recording-state': `{"type":"recording-state","recording":{"recorderId":"${P}","startedAt":1700000000000,"consented":["${P}"],"declined":["${Q}"]},"permitted":["${Q}"],"declined":"${Q}","ended":"stopped"}`,
  'recording-consent-requested': `{"type":"recording-consent-requested","recorderId":"${P}"}`,
};

/** Responses, as sent. */
const RESPONSES = [
  '{"type":"response","id":7,"ok":true,"result":{"sdp":"v=0"}}',
  '{"type":"response","id":null,"ok":false,"error":{"code":"rate-limited","message":"Slow down.","retryAfterSeconds":1}}',
  '{"type":"response","id":8,"ok":false,"error":{"code":"forbidden","message":"Only a moderator can do this."}}',
];

const typesOf = (union: { options: readonly { shape: { type: { value: string } } }[] }): string[] =>
  union.options.map((option) => option.shape.type.value).sort();

describe('the wire format (golden messages)', () => {
  it('lists every request and event type of the protocol, and no other', () => {
    expect(Object.keys(REQUESTS).sort()).toEqual(typesOf(ClientMessage));
    expect(Object.keys(EVENTS).sort()).toEqual(typesOf(ServerEvent));
  });

  it.each(Object.entries(REQUESTS))('%s: request and result parse unchanged', (type, [request, result]) => {
    const parsed = ClientMessage.parse(JSON.parse(request));
    expect(parsed.type).toBe(type);
    expect(JSON.stringify(parsed)).toBe(request);
    const spec = Requests[type as ClientRequestType];
    expect(spec.request.shape.type.value).toBe(type);
    expect(JSON.stringify(spec.result.parse(JSON.parse(result)))).toBe(result);
  });

  it.each(Object.entries(EVENTS))('%s: event parses unchanged, alone and inside a message', (type, event) => {
    const parsed = ServerEvent.parse(JSON.parse(event));
    expect(parsed.type).toBe(type);
    expect(JSON.stringify(parsed)).toBe(event);
    const message = `{"type":"event","event":${event}}`;
    expect(JSON.stringify(ServerMessage.parse(JSON.parse(message)))).toBe(message);
  });

  it.each(RESPONSES)('response %s parses unchanged', (response) => {
    expect(JSON.stringify(ServerMessage.parse(JSON.parse(response)))).toBe(response);
  });

  it('keeps the same requests moderator-only', () => {
    expect([...MODERATOR_REQUESTS].sort()).toEqual([...MODERATOR_ONLY].sort());
  });
});
