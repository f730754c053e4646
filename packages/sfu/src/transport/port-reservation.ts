// Privacy: keeps nothing personal (RTP state, SDP text, timers and ports only).
import ndc, { type IceUdpMuxListener } from 'node-datachannel';

/**
 * The media plane's UDP port, bound once per process.
 *
 * An IceUdpMuxListener binds the ICE UDP mux socket when the plane starts, so that a taken port is a
 * clear error at start-up instead of an exception inside libdatachannel's ICE gathering, which
 * node-datachannel does not catch (the process would abort at the first join). It also keeps the
 * socket open while no connection exists.
 *
 * libdatachannel 0.24.5 cannot reliably stop such a listener (its "stopped" flag is an uninitialized
 * std::atomic<bool>; measured: most stop() calls do nothing), so the port stays bound until the
 * process exits, and a later plane in the same process on the same port takes the binding over.
 */
interface Reservation {
  bindAddress: string;
  listener: IceUdpMuxListener;
  inUse: boolean;
}

const reservations = new Map<number, Reservation>();

/** Bind `port` for a media plane; throws an Error saying why when it cannot. */
export function reserveUdpPort(port: number, bindAddress: string): void {
  const existing = reservations.get(port);
  if (existing) {
    if (existing.inUse)
      throw new Error(`UDP port ${port} is already used by another media plane of this process.`);
    if (existing.bindAddress !== bindAddress) {
      throw new Error(
        `UDP port ${port} is still bound to another address by an earlier media plane of this process.`,
      );
    }
    existing.inUse = true;
    return;
  }
  let listener: IceUdpMuxListener;
  try {
    listener = new ndc.IceUdpMuxListener(port, bindAddress);
  } catch (error) {
    throw new Error(
      `The media plane cannot use UDP port ${port}: ${error instanceof Error ? error.message : error}. ` +
        'Is another program (or another Parley) using it?',
    );
  }
  reservations.set(port, { bindAddress, listener, inUse: true });
}

/** The plane on `port` closed. The socket stays bound (see above) for a later plane to take over. */
export function releaseUdpPort(port: number): void {
  const reservation = reservations.get(port);
  if (reservation) reservation.inUse = false;
}
