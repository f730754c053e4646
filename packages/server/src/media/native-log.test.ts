import { describe, expect, it } from 'vitest';
import { redactAddresses } from './native-log.js';

describe('redactAddresses', () => {
  it('removes IPv4 and IPv6 addresses with their ports', () => {
    expect(redactAddresses('Using 192.168.1.20:50000 as local candidate')).toBe(
      'Using [address] as local candidate',
    );
    expect(redactAddresses('STUN from [2001:db8::1]:3478 ok')).toBe('STUN from [address] ok');
    expect(redactAddresses('host fe80::1ff:fe23:4567:890a failed')).toBe('host [address] failed');
    expect(redactAddresses('DTLS handshake finished')).toBe('DTLS handshake finished');
    expect(redactAddresses('rtc::impl::IceTransport::LogCallback@391: juice: Lost connectivity')).toBe(
      'rtc::impl::IceTransport::LogCallback@391: juice: Lost connectivity',
    );
    expect(redactAddresses('pair ::1 to ::ffff:10.1.2.3')).toBe('pair [address] to [address]');
  });
});
