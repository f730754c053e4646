import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { ConfigError } from './config-error.js';

describe('loadConfig', () => {
  it('defaults to loopback, port 3000, ./data and media on UDP 40000', () => {
    const config = loadConfig({}, '/srv/parley');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      dataDir: '/srv/parley/data',
      publicIp: '127.0.0.1',
      rtcPort: 40000,
      ipRetentionSeconds: 600,
      trustProxy: false,
      turnUrls: [],
    });
  });

  it('refuses to listen beyond loopback without TLS, saying why', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(
      /without TLS.*PARLEY_TLS_CERT.*PARLEY_TRUST_PROXY=1/s,
    );
  });

  it('listens beyond loopback with TLS or behind a declared TLS proxy', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PARLEY_TLS_CERT: 'c.pem', PARLEY_TLS_KEY: 'k.pem' }).host).toBe(
      '0.0.0.0',
    );
    const proxied = loadConfig({ HOST: '0.0.0.0', PARLEY_TRUST_PROXY: '1', PARLEY_PUBLIC_IP: '203.0.113.5' });
    expect(proxied.trustProxy).toBe(true);
    expect(proxied.publicIp).toBe('203.0.113.5');
  });

  it('binds media to every interface when browsers are told a public address, even behind a loopback proxy', () => {
    expect(loadConfig({}).mediaBindAddress).toBe('127.0.0.1');
    const proxied = loadConfig({ PARLEY_TRUST_PROXY: '1', PARLEY_PUBLIC_IP: '203.0.113.5' });
    expect(proxied.host).toBe('127.0.0.1');
    expect(proxied.mediaBindAddress).toBe('0.0.0.0');
    expect(loadConfig({ PARLEY_TRUST_PROXY: '1', PARLEY_PUBLIC_IP: '2001:db8::5' }).mediaBindAddress).toBe(
      '::',
    );
    expect(loadConfig({ PARLEY_PUBLIC_IP: '127.0.0.1' }).mediaBindAddress).toBe('127.0.0.1');
  });

  it('rejects half a TLS configuration and nonsense numbers', () => {
    expect(() => loadConfig({ PARLEY_TLS_CERT: 'c.pem' })).toThrow(/both/);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be a whole number/);
    expect(() => loadConfig({ PARLEY_IP_RETENTION_S: '0' })).toThrow(/PARLEY_IP_RETENTION_S/);
  });

  it('runs one media worker per core by default, on consecutive UDP ports from PARLEY_RTC_PORT', () => {
    expect(loadConfig({}).mediaWorkers).toBe(availableParallelism());
    expect(loadConfig({ PARLEY_MEDIA_WORKERS: '0' }).mediaWorkers).toBe(0);
    expect(loadConfig({}).lastN).toBe(25);
    expect(loadConfig({ PARLEY_LAST_N: '0', PARLEY_AUDIBLE_SPEAKERS: '5' })).toMatchObject({
      lastN: 0,
      audibleSpeakers: 5,
    });
    expect(() => loadConfig({ PARLEY_AUDIBLE_SPEAKERS: '0' })).toThrow(/PARLEY_AUDIBLE_SPEAKERS/);
    expect(loadConfig({}).retransmitPercent).toBe(50);
    expect(loadConfig({ PARLEY_RETRANSMIT_PERCENT: '120' }).retransmitPercent).toBe(120);
    expect(loadConfig({}).subscriberBandwidthEstimation).toBe(true);
    expect(loadConfig({ PARLEY_SUBSCRIBER_BWE: '0' }).subscriberBandwidthEstimation).toBe(false);
    expect(loadConfig({}).subscriberRtx).toBe(true);
    expect(loadConfig({ PARLEY_SUBSCRIBER_RTX: '0' }).subscriberRtx).toBe(false);
    expect(loadConfig({}).pauseUnusedLayers).toBe(true);
    expect(loadConfig({ PARLEY_PAUSE_UNUSED_LAYERS: '0' }).pauseUnusedLayers).toBe(false);
    expect(() => loadConfig({ PARLEY_RETRANSMIT_PERCENT: '500' })).toThrow(/PARLEY_RETRANSMIT_PERCENT/);
    expect(loadConfig({ PARLEY_REDIS_URL: 'redis://127.0.0.1:6379' }).mediaWorkers).toBe(1);
    expect(
      loadConfig({ PARLEY_REDIS_URL: 'redis://127.0.0.1:6379', PARLEY_MEDIA_WORKERS: '2' }).mediaWorkers,
    ).toBe(2);
    expect(loadConfig({ PARLEY_MEDIA_WORKERS: '3', PARLEY_RTC_PORT: '65533' }).mediaWorkers).toBe(3);
    expect(() => loadConfig({ PARLEY_MEDIA_WORKERS: '4', PARLEY_RTC_PORT: '65533' })).toThrow(
      /PARLEY_MEDIA_WORKERS=4 needs UDP ports 65533 to 65536/,
    );
    expect(() => loadConfig({ PARLEY_MEDIA_WORKERS: 'many' })).toThrow(ConfigError);
    expect(() => loadConfig({ PARLEY_MEDIA_WORKERS: '-1' })).toThrow(
      /PARLEY_MEDIA_WORKERS must be a whole number/,
    );
  });

  it('reads TURN URLs as a comma-separated list', () => {
    const config = loadConfig({ PARLEY_TURN_URLS: 'turn:a:3478, turns:b:5349', PARLEY_TURN_SECRET: 's3' });
    expect(config.turnUrls).toEqual(['turn:a:3478', 'turns:b:5349']);
    expect(config.turnSecret).toBe('s3');
    expect(config.iceRelayOnly).toBe(false);
  });

  it('rejects TURN URLs without the shared secret, odd URLs, and relay-only ICE without TURN', () => {
    expect(() => loadConfig({ PARLEY_TURN_URLS: 'turn:a:3478' })).toThrow(ConfigError);
    expect(() => loadConfig({ PARLEY_TURN_URLS: 'turn:a:3478' })).toThrow(/PARLEY_TURN_SECRET/);
    expect(() => loadConfig({ PARLEY_TURN_URLS: 'a:3478', PARLEY_TURN_SECRET: 's' })).toThrow(
      /turn:, turns: or stun:/,
    );
    expect(() => loadConfig({ PARLEY_ICE_RELAY_ONLY: '1' })).toThrow(/needs a TURN server/);
    expect(() =>
      loadConfig({ PARLEY_ICE_RELAY_ONLY: '1', PARLEY_TURN_URLS: 'stun:a:3478', PARLEY_TURN_SECRET: 's' }),
    ).toThrow(/needs a TURN server/);
    const relayOnly = loadConfig({
      PARLEY_ICE_RELAY_ONLY: '1',
      PARLEY_TURN_URLS: 'turn:a:3478',
      PARLEY_TURN_SECRET: 's',
    });
    expect(relayOnly.iceRelayOnly).toBe(true);
  });

  it('reads the cluster settings: node URL, drain bound and an optional shared secret', () => {
    const alone = loadConfig({});
    expect([alone.redisUrl, alone.nodeUrl, alone.clusterSecret, alone.drainTimeoutSeconds]).toEqual([
      undefined,
      undefined,
      undefined,
      10,
    ]);
    const node = loadConfig({
      PARLEY_REDIS_URL: 'redis://10.0.0.5:6379/0',
      PARLEY_NODE_URL: 'http://10.0.0.2:3000/',
      PARLEY_DRAIN_TIMEOUT_S: '20',
      PARLEY_CLUSTER_SECRET: 'x'.repeat(32),
    });
    expect(node.nodeUrl).toBe('http://10.0.0.2:3000');
    expect(node.drainTimeoutSeconds).toBe(20);
    expect(node.clusterSecret).toBe('x'.repeat(32));
    expect(() => loadConfig({ PARLEY_NODE_URL: '10.0.0.2:3000' })).toThrow(/PARLEY_NODE_URL/);
    expect(() => loadConfig({ PARLEY_CLUSTER_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() => loadConfig({ PARLEY_DRAIN_TIMEOUT_S: '0' })).toThrow(/PARLEY_DRAIN_TIMEOUT_S/);
  });
});
