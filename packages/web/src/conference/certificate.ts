/**
 * A DTLS certificate made ahead of time. Without one, a peer connection makes its own inside its
 * first createOffer, which measured 45–130 ms in Chromium; made while the signaling socket opens,
 * it is ready when the server admits us. One certificate serves both connections of a meeting.
 */
export function generateCertificate(): Promise<RTCCertificate | null> {
  if (typeof RTCPeerConnection === 'undefined' || !RTCPeerConnection.generateCertificate)
    return Promise.resolve(null);
  return RTCPeerConnection.generateCertificate({
    name: 'ECDSA',
    namedCurve: 'P-256',
  } as EcKeyGenParams).catch(() => null);
}

/**
 * The settings both connections share. `iceTransportPolicy` is `relay` when the operator allows
 * relayed (TURN) candidates only.
 */
export function connectionConfig(
  iceServers: RTCIceServer[],
  certificate: RTCCertificate | null,
  iceTransportPolicy: RTCIceTransportPolicy = 'all',
): RTCConfiguration {
  const config: RTCConfiguration = {
    iceServers,
    iceTransportPolicy,
    bundlePolicy: 'max-bundle',
    rtcpMuxPolicy: 'require',
  };
  if (certificate) config.certificates = [certificate];
  return config;
}
