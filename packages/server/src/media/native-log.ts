import ndc from 'node-datachannel';
import type { Logger } from '../logger.js';

/**
 * Route libdatachannel's log lines into pino. The native logger is process-wide, so the last media
 * plane created owns it. libdatachannel's Info lines name ICE candidates (IP addresses): they are only
 * kept at debug level, and anything logged above debug has addresses replaced (privacy rule).
 */
export function installNativeLogger(logger: Logger): void {
  const native = logger.child({ module: 'libdatachannel' });
  const verbose = native.isLevelEnabled('debug');
  ndc.initLogger(verbose ? 'Debug' : 'Warning', (level, message) => {
    switch (level) {
      case 'Fatal':
      case 'Error':
        native.error(redactAddresses(message));
        break;
      case 'Warning':
        native.warn(redactAddresses(message));
        break;
      default:
        native.debug(message);
    }
  });
}

const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g;
/**
 * A run of hex digits and at least two colons standing alone (IPv6, with or without brackets and
 * port), but not C++ scopes like `rtc::impl::IceTransport` that libdatachannel's messages start with.
 */
const IPV6 = /(?<![\w:])\[?[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*\]?(?::\d+)?(?![\w:])/gi;

/** Replace IPv4 and IPv6 addresses (and ports attached to them) in a log message. */
export function redactAddresses(message: string): string {
  return message.replace(IPV6, '[address]').replace(IPV4, '[address]');
}
