import { describe, expect, it } from 'vitest';
import { NATIVE_LOG_LINES_PER_SECOND, NativeLogGate, redactAddresses } from './native-log.js';

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

describe('NativeLogGate', () => {
  const gateWithClock = () => {
    const clock = { now: 0 };
    const lines: Array<{ level: string; message: string; fields?: Record<string, number> }> = [];
    const gate = new NativeLogGate(
      (level, message, fields) => lines.push({ level, message, ...(fields && { fields }) }),
      () => clock.now,
    );
    return { clock, lines, gate };
  };

  it('collapses a line repeated in a loop into one line and a count', () => {
    const { lines, gate } = gateWithClock();
    for (let i = 0; i < 1_000_000; i++) gate.line('warn', 'RTCP SDES packet is invalid');
    gate.flush();
    expect(lines).toEqual([
      { level: 'warn', message: 'RTCP SDES packet is invalid' },
      {
        level: 'warn',
        message: 'libdatachannel log lines held back',
        fields: { repeatsOfLastLine: 999_999, otherLinesDropped: 0 },
      },
    ]);
  });

  it(`writes at most ${NATIVE_LOG_LINES_PER_SECOND} different lines a second after a short burst`, () => {
    const { clock, lines, gate } = gateWithClock();
    let written = 0;
    for (let second = 0; second < 10; second++) {
      for (let i = 0; i < 10_000; i++) gate.line('warn', `line ${second}:${i}`);
      gate.flush();
      clock.now += 1000;
      written = lines.filter((l) => l.message.startsWith('line')).length;
    }
    // Burst of 50, then 20 per second (the clock moved 9 s while lines came).
    expect(written).toBeLessThanOrEqual(50 + 9 * NATIVE_LOG_LINES_PER_SECOND);
    const dropped = lines.reduce((sum, l) => sum + (l.fields?.otherLinesDropped ?? 0), 0);
    expect(written + dropped).toBe(100_000);
  });

  it('cuts long lines', () => {
    const { lines, gate } = gateWithClock();
    gate.line('error', 'x'.repeat(100_000));
    expect(lines[0]!.message.length).toBeLessThanOrEqual(501);
  });
});
