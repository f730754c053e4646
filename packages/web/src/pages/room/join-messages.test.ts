import { describe, expect, it } from 'vitest';
import { t } from '../../i18n';
import { joinFailureMessage, mediaProblemMessages } from './join-messages';

const text = (ref: { key: Parameters<typeof t>[0]; params?: Record<string, string | number> }) =>
  t(ref.key, ref.params);

describe('joinFailureMessage', () => {
  it('says the server cannot be reached when the socket fails', () => {
    expect(text(joinFailureMessage('unreachable', ''))).toMatch(/^Cannot reach the Parley server/);
    expect(text(joinFailureMessage('disconnected', ''))).toMatch(/^Cannot reach the Parley server/);
  });

  it('explains a refused room name in its own words', () => {
    expect(text(joinFailureMessage('invalid-room-name', 'server text'))).toMatch(/room name is not valid/);
  });

  it('explains password, lobby and invitation refusals', () => {
    expect(text(joinFailureMessage('wrong-password', 'x'))).toMatch(/password is not right/);
    expect(text(joinFailureMessage('locked', 'x'))).toMatch(/locked/);
    expect(text(joinFailureMessage('invalid-invitation', 'x'))).toMatch(/invitation link/);
    expect(text(joinFailureMessage('denied', 'x'))).toMatch(/did not let you in/);
    expect(text(joinFailureMessage('ended-while-waiting', ''))).toMatch(/ended while you were waiting/);
  });

  it('says when to try again after too many attempts', () => {
    expect(text(joinFailureMessage('rate-limited', '', 29.2))).toMatch(/in 30 seconds/);
    expect(text(joinFailureMessage('rate-limited', '', 1))).toMatch(/in 1 second\./);
    expect(text(joinFailureMessage('rate-limited', ''))).toMatch(/wait a moment/);
  });

  it('falls back to the server message for codes without their own sentence', () => {
    expect(text(joinFailureMessage('negotiation-failed', 'No codec in common.'))).toBe(
      'Joining failed: No codec in common.',
    );
    expect(text(joinFailureMessage('internal', ''))).toMatch(/Something went wrong/);
  });
});

describe('mediaProblemMessages', () => {
  it('names each device that is denied or missing', () => {
    const messages = mediaProblemMessages('denied', 'missing').map(text);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/Microphone access was denied/);
    expect(messages[1]).toMatch(/No camera was found/);
  });

  it('says nothing when both devices work and one sentence when neither can be used', () => {
    expect(mediaProblemMessages(null, null)).toEqual([]);
    expect(mediaProblemMessages('unsupported', 'unsupported')).toHaveLength(1);
  });
});
