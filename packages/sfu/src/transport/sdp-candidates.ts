// Privacy: keeps nothing personal (SDP text; the one address is the SFU's own).

import { describeSection, parseSdp, writeSdp } from './sdp.js';

/**
 * Remove the client's ICE candidates. The SFU has a public address and the client always checks it
 * first; the SFU learns the client's address (or its NAT mapping) from those checks, as peer-reflexive
 * candidates, like an ICE-lite server. Not knowing the client's candidates matters:
 * - libdatachannel could otherwise finish ICE from its side and send its DTLS hello before the client
 *   has the answer; a libdatachannel client then fails the handshake (1 set-up in ~20 measured here);
 * - Chromium's host candidates are mDNS names, for which libdatachannel starts a resolver thread each;
 * - the client need not wait for its ICE gathering before offering, which shortens joining.
 */
export function withoutCandidates(sdp: string): string {
  const doc = parseSdp(sdp);
  const keep = (line: string) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates';
  doc.session = doc.session.filter(keep);
  doc.media = doc.media.map((section) => section.filter(keep));
  return writeSdp(doc);
}

/**
 * Make a description the SFU sends announce exactly one ICE candidate: the host candidate
 * `ip:port` shared by every connection (ICE UDP mux), followed by end-of-candidates. libdatachannel's
 * own candidates (every local interface) are removed; they may be private addresses and are not
 * reachable from outside anyway.
 */
export function announceHostCandidate(sdp: string, ip: string, port: number): string {
  const doc = parseSdp(sdp);
  const addressType = ip.includes(':') ? 'IP6' : 'IP4';
  const isCandidateLine = (line: string) => line.startsWith('a=candidate:') || line === 'a=end-of-candidates';
  doc.session = doc.session
    .filter((line) => !isCandidateLine(line))
    .map((line) => (line.startsWith('a=ice-options:') ? 'a=ice-options:ice2' : line));
  let announced = false;
  doc.media = doc.media.map((section, index) => {
    const lines = section.filter((line) => !isCandidateLine(line));
    if (describeSection(section, index).rejected) return lines;
    const rewritten = lines.map((line) => {
      if (line.startsWith('m=')) {
        const [kind, , ...rest] = line.slice(2).split(' ');
        return `m=${kind} ${port} ${rest.join(' ')}`;
      }
      if (line.startsWith('c=')) return `c=IN ${addressType} ${ip}`;
      return line;
    });
    if (!announced) {
      rewritten.push(`a=candidate:1 1 udp 2130706431 ${ip} ${port} typ host`, 'a=end-of-candidates');
      announced = true;
    }
    return rewritten;
  });
  return writeSdp(doc);
}
