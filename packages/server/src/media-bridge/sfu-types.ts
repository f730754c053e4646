import type * as Protocol from '@parley/protocol';
import type * as Sfu from '@parley/sfu';

/**
 * The SFU (@parley/sfu) has its own words for tracks, the same shapes as the wire protocol's, so that
 * it depends on no schema library. These checks make a drift between the two fail `npm run typecheck`:
 * each pair must be assignable both ways. Nothing here runs.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;

export type SfuTypesMatchProtocol = [
  Check<Same<Sfu.PublishedTrack, Protocol.PublishedTrack>>,
  Check<Same<Sfu.SubscribedTrack, Protocol.SubscribedTrack>>,
  Check<Same<Sfu.TrackSource, Protocol.TrackSource>>,
  Check<Same<Sfu.TrackKind, Protocol.TrackKind>>,
  Check<Same<Sfu.VideoReceptionMode, Protocol.VideoReceptionMode>>,
  Check<Same<Sfu.VideoCodecName, Protocol.VideoCodec>>,
  Check<Same<Sfu.IceServer, Protocol.IceServer>>,
  Check<Same<typeof Sfu.kindOfSource, typeof Protocol.kindOfSource>>,
];
