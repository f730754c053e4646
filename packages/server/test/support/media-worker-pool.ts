import { MediaWorkerPool } from '@parley/sfu';
import type { WatchdogLimits } from '@parley/sfu/testing';
import pino from 'pino';

type PoolOptions = ConstructorParameters<typeof MediaWorkerPool>[0];

/**
 * A pool of `workers` media worker threads on loopback, on a random run of UDP ports (another when
 * one is taken). The ports lie below Linux's ephemeral range (32768–60999), where the bots' own
 * sockets get theirs: an idle worker does not hold its port, so a bot could be given it otherwise.
 * `options`: plane options beside the addresses and port (e.g. pauseUnusedLayers); `watchdog`: limits
 * of the pool's watchdog other than the defaults.
 */
export async function startMediaWorkerPool(
  workers: number,
  options: Omit<Partial<PoolOptions>, 'publicIp' | 'bindAddress' | 'rtcPort'> = {},
  watchdog: Partial<WatchdogLimits> = {},
): Promise<MediaWorkerPool> {
  for (let attempt = 1; ; attempt++) {
    const rtcPort = 20000 + 2 * Math.floor(Math.random() * 6000);
    const pool = new MediaWorkerPool(
      { ...options, publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort },
      workers,
      pino({ level: process.env.MEDIA_TEST_LOG ?? 'silent' }),
      watchdog,
    );
    try {
      await pool.ready();
      return pool;
    } catch (error) {
      await pool.close();
      if (attempt === 5) throw error;
    }
  }
}
