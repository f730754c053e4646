/**
 * The last net under the logging rule "no client address in any log line, at any level": every
 * line the logger writes passes through `scrubAddresses`, so an address that slips into a message
 * (an ICE candidate in a native debug line, an error text) is replaced before it reaches the output.
 */

const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g;
/**
 * A run of hex digits with at least two colons standing alone (IPv6, with or without brackets and
 * port), but not C++ scopes like `rtc::impl::IceTransport` nor JSON's `"key":value` pairs.
 */
const IPV6 = /(?<![\w:])\[?[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*\]?(?::\d+)?(?![\w:])/gi;

export const ADDRESS_PLACEHOLDER = '[address]';

/** `line` with IPv4 and IPv6 addresses (and ports attached to them) replaced. */
export function scrubAddresses(line: string): string {
  return line.replace(IPV6, ADDRESS_PLACEHOLDER).replace(IPV4, ADDRESS_PLACEHOLDER);
}

/**
 * Field names whose values never go into a log line (pino redact paths), at the top level and one
 * level down. A second net: the code logs ids and counts only.
 */
const SENSITIVE_FIELDS = [
  'room',
  'roomName',
  'displayName',
  'username',
  'password',
  'token',
  'cookie',
  'ip',
  'address',
  'remoteAddress',
  'userAgent',
  'text',
  'chat',
  'sdp',
];

export const REDACT_PATHS: readonly string[] = [
  'req.headers',
  'req.remoteAddress',
  'req.remotePort',
  'req.ip',
  'req.ips',
  'req.url',
  'req.hostname',
  ...SENSITIVE_FIELDS,
  ...SENSITIVE_FIELDS.map((field) => `*.${field}`),
];
