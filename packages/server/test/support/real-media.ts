import type { MediaPlane } from '@parley/sfu';
import { createMediaPlane } from '@parley/sfu';
import pino from 'pino';

/** The real SFU, in this thread, on a random high UDP port (retrying when the port is taken). */
export function realMedia(): MediaPlane {
  for (let attempt = 1; ; attempt++) {
    const rtcPort = 42000 + Math.floor(Math.random() * 18000);
    try {
      return createMediaPlane(
        { publicIp: '127.0.0.1', bindAddress: '127.0.0.1', rtcPort },
        pino({ level: 'silent' }),
      );
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
}
