import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

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

  it('rejects half a TLS configuration and nonsense numbers', () => {
    expect(() => loadConfig({ PARLEY_TLS_CERT: 'c.pem' })).toThrow(/both/);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be a whole number/);
    expect(() => loadConfig({ PARLEY_IP_RETENTION_S: '0' })).toThrow(/PARLEY_IP_RETENTION_S/);
  });

  it('reads TURN URLs as a comma-separated list', () => {
    expect(loadConfig({ PARLEY_TURN_URLS: 'turn:a:3478, turns:b:5349' }).turnUrls).toEqual([
      'turn:a:3478',
      'turns:b:5349',
    ]);
  });
});
