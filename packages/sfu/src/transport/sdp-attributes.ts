// Privacy: keeps nothing personal (pure functions over SDP lines).

/**
 * Readers for the SDP attribute lines the SFU interprets, written as plain left-to-right scans.
 * SDP comes from participants: a regular expression with overlapping quantifiers on it (such as
 * `^a=extmap:(\d+)\S* (\S+)`) backtracks quadratically on a crafted line, and one 100 kB offer then
 * costs a media worker seconds. Every function here looks at each character at most a fixed number of
 * times, and returns null when the line is not of its form.
 */

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Whitespace as SDP writers use it (space, tab, CR, LF, VT, FF). */
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/** End of the run of ASCII digits that starts at `from` (=== from when there is none). */
function digitsEnd(text: string, from: number): number {
  let end = from;
  while (end < text.length && isDigit(text.charCodeAt(end))) end++;
  return end;
}

/** End of the run of non-whitespace characters that starts at `from`. */
function tokenEnd(text: string, from: number): number {
  let end = from;
  while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
  return end;
}

/** Digits only (at least one), e.g. an m-line's port. */
export function isDecimal(text: string): boolean {
  return text.length > 0 && digitsEnd(text, 0) === text.length;
}

/**
 * The number at the start of an attribute value (`prefix` then digits), and where it ends; null when
 * the line does not start with `prefix` followed by a digit.
 */
function leadingNumber(line: string, prefix: string): { value: number; end: number } | null {
  if (!line.startsWith(prefix)) return null;
  const end = digitsEnd(line, prefix.length);
  if (end === prefix.length) return null;
  return { value: Number(line.slice(prefix.length, end)), end };
}

/** `a=ssrc:<ssrc> <attribute>`: the SSRC and the attribute (`cname:…`, `msid:…`), or null. */
export function readSsrcLine(line: string): { ssrc: number; attribute: string } | null {
  const head = leadingNumber(line, 'a=ssrc:');
  if (head === null || line.charCodeAt(head.end) !== 32) return null;
  return { ssrc: head.value, attribute: line.slice(head.end + 1) };
}

/**
 * A per-format attribute `a=rtpmap|fmtp|rtcp-fb:<format> <value>`, format `*` allowed: the attribute
 * name, the format (number, or '*') and the value ('' when none). Null for any other line.
 */
export function readFormatAttribute(
  line: string,
): { key: 'rtpmap' | 'fmtp' | 'rtcp-fb'; format: number | '*'; value: string } | null {
  const colon = line.indexOf(':');
  if (colon < 0 || !line.startsWith('a=')) return null;
  const key = line.slice(2, colon);
  if (key !== 'rtpmap' && key !== 'fmtp' && key !== 'rtcp-fb') return null;
  let end: number;
  let format: number | '*';
  if (line.charCodeAt(colon + 1) === 42 /* '*' */) {
    format = '*';
    end = colon + 2;
  } else {
    end = digitsEnd(line, colon + 1);
    if (end === colon + 1) return null;
    format = Number(line.slice(colon + 1, end));
  }
  if (end === line.length) return { key, format, value: '' };
  if (line.charCodeAt(end) !== 32) return null;
  return { key, format, value: line.slice(end + 1) };
}

/** `a=rtpmap:<payload type> <encoding>` with a non-empty encoding, or null. */
export function readRtpmap(line: string): { payloadType: number; encoding: string } | null {
  const attribute = readFormatAttribute(line);
  if (attribute === null || attribute.key !== 'rtpmap' || attribute.format === '*' || attribute.value === '')
    return null;
  return { payloadType: attribute.format, encoding: attribute.value };
}

/**
 * `a=extmap:<id>[/<direction>] <uri> [<attributes>]` (RFC 8285): the id and the URI, or null. The
 * direction suffix is skipped up to the first whitespace, which must be a space followed by the URI.
 */
export function readExtmap(line: string): { id: number; uri: string } | null {
  const head = leadingNumber(line, 'a=extmap:');
  if (head === null) return null;
  const space = tokenEnd(line, head.end);
  if (line.charCodeAt(space) !== 32) return null;
  const uriEnd = tokenEnd(line, space + 1);
  if (uriEnd === space + 1) return null;
  return { id: head.value, uri: line.slice(space + 1, uriEnd) };
}

/** Largest number of SSRCs read from one `a=ssrc-group` line (SIM has three, FID two). */
export const MAX_GROUP_SSRCS = 8;

/**
 * `a=ssrc-group:<semantics> <ssrc> <ssrc>…`: the semantics and the SSRCs (at most MAX_GROUP_SSRCS;
 * NaN where a listed one is not a number), or null.
 */
export function readSsrcGroup(line: string): { semantics: string; ssrcs: number[] } | null {
  const prefix = 'a=ssrc-group:';
  if (!line.startsWith(prefix)) return null;
  const semanticsEnd = tokenEnd(line, prefix.length);
  if (semanticsEnd === prefix.length || line.charCodeAt(semanticsEnd) !== 32) return null;
  const ssrcs: number[] = [];
  let at = semanticsEnd + 1;
  while (ssrcs.length < MAX_GROUP_SSRCS) {
    while (at < line.length && isSpace(line.charCodeAt(at))) at++;
    if (at >= line.length) break;
    const end = tokenEnd(line, at);
    const token = line.slice(at, end);
    ssrcs.push(isDecimal(token) ? Number(token) : Number.NaN);
    at = end;
  }
  if (ssrcs.length === 0) return null;
  return { semantics: line.slice(prefix.length, semanticsEnd), ssrcs };
}
