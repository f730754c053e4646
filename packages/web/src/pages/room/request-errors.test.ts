import { describe, expect, it } from 'vitest';
import { SignalingError } from '../../conference/signaling';
import { t } from '../../i18n';
import { requestErrorMessage } from './request-errors';

const text = (error: unknown) => {
  const ref = requestErrorMessage(error);
  return t(ref.key, ref.params);
};

describe('requestErrorMessage', () => {
  it('explains refusals in the words of the moderation screens', () => {
    expect(text(new SignalingError('forbidden', 'x'))).toBe('Only moderators can do this.');
    expect(text(new SignalingError('last-moderator', 'x'))).toMatch(/at least one moderator/);
    expect(text(new SignalingError('disconnected', ''))).toMatch(/Cannot reach/);
  });

  it('says how long to wait when rate-limited', () => {
    expect(text(new SignalingError('rate-limited', 'x', 4.5))).toBe(
      'Too many requests. Please wait 5 seconds.',
    );
    expect(text(new SignalingError('rate-limited', 'x'))).toBe('Too many requests. Please wait a moment.');
  });

  it('falls back to the server message, or a general one', () => {
    expect(text(new SignalingError('bad-request', 'A message cannot be empty.'))).toBe(
      'That did not work: A message cannot be empty.',
    );
    expect(text(new Error('boom'))).toMatch(/Something went wrong/);
  });
});
