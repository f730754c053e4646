/**
 * The camera's simulcast encodings on its sender: their resolutions and bit rates, and which of them
 * are active. The SFU asks a publisher to pause the layers nobody in the meeting takes
 * (`simulcast-layers`): the encoder then skips them, saving this device's CPU and uplink.
 */

/**
 * The layers' encodings, lowest first (the order of the SIM group). Chromium gives the munged extra
 * layers no scaling of their own and keeps `scaleResolutionDownBy: 1` on the first, so without these
 * it encodes the first layer at full resolution and starves the others. The bit rates (about
 * 180p/360p/720p at 30 fps) add up to less than the SFU's REMB grant (PUBLISHER_VIDEO_BITRATE).
 */
export const SIMULCAST_ENCODINGS: readonly { scaleResolutionDownBy: number; maxBitrate: number }[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

/**
 * Give the camera's simulcast encodings their resolutions and bit rates (see SIMULCAST_ENCODINGS).
 * Set again after every negotiation: cheap, and a no-op when they are already in place.
 */
export async function scaleLayers(sender: RTCRtpSender): Promise<void> {
  await changeEncodings(sender, SIMULCAST_ENCODINGS.length, (encoding, index) => {
    const wanted = SIMULCAST_ENCODINGS[index]!;
    if (
      encoding.scaleResolutionDownBy === wanted.scaleResolutionDownBy &&
      encoding.maxBitrate === wanted.maxBitrate
    )
      return false;
    encoding.scaleResolutionDownBy = wanted.scaleResolutionDownBy;
    encoding.maxBitrate = wanted.maxBitrate;
    return true;
  });
}

/**
 * Turn the camera's encodings on and off as the SFU asked (`active[i]` for the i-th encoding, lowest
 * first: the SIM group's order with Chromium, the RIDs' with Firefox). A sender with another number
 * of encodings (one stream: VP9, simulcast refused) is left alone. A resumed encoding starts with a
 * key frame (the browser's encoder does that for a layer it starts). Set again after every
 * negotiation, which may give the sender fresh parameters.
 */
export async function setLayersActive(sender: RTCRtpSender, active: readonly boolean[]): Promise<void> {
  await changeEncodings(sender, active.length, (encoding, index) => {
    const wanted = active[index]!;
    if ((encoding.active ?? true) === wanted) return false;
    encoding.active = wanted;
    return true;
  });
}

/** Change the sender's encodings when it has `count` of them; set them only when one changed. */
async function changeEncodings(
  sender: RTCRtpSender,
  count: number,
  change: (encoding: RTCRtpEncodingParameters, index: number) => boolean,
): Promise<void> {
  if (typeof sender.getParameters !== 'function') return;
  const parameters = sender.getParameters();
  if (parameters.encodings?.length !== count) return;
  let changed = false;
  parameters.encodings.forEach((encoding, index) => {
    changed = change(encoding, index) || changed;
  });
  if (!changed) return;
  try {
    await sender.setParameters(parameters);
  } catch {
    // Refused (another browser's rules, or the sender went away): its current layers still work.
  }
}
