/** werift peer connections of the forwarding benchmark: no STUN, IPv4 host candidates only. */
export const WERIFT_CONFIG = { iceServers: [], iceUseIpv4: true, iceUseIpv6: false };
