import type { FunctionComponent, VNode } from 'preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { languageStore } from '../i18n';
import { BandwidthPauseNotice, ScreenTile, Tile } from './tile';

// The tiles called as plain functions: their hooks (a ref, a resize observer) need no DOM here.
vi.mock('preact/hooks', () => ({ useRef: () => ({ current: null }), useEffect: () => {} }));

type Props = Record<string, unknown> & { children?: unknown };
/** Components rendered out in the tree (hook-free); others stay as they are, their props enough. */
const EXPANDED = new Set<unknown>([BandwidthPauseNotice]);

/** Every element of a rendered tree, depth first. */
function* elements(node: unknown): Generator<VNode<Props>> {
  if (Array.isArray(node)) for (const child of node) yield* elements(child);
  else if (node !== null && typeof node === 'object' && 'props' in node) {
    const vnode = node as VNode<Props>;
    if (EXPANDED.has(vnode.type)) {
      yield* elements((vnode.type as FunctionComponent<Props>)(vnode.props));
      return;
    }
    yield vnode;
    yield* elements(vnode.props.children);
  }
}

const all = (tree: unknown) => [...elements(tree)];
const byTestId = (tree: unknown, id: string) => all(tree).filter((e) => e.props['data-testid'] === id);
const withClass = (tree: unknown, name: string) => all(tree).filter((e) => e.props.class === name);
const video = {} as MediaStreamTrack;

describe('a tile whose video the server paused for our bandwidth', () => {
  afterEach(() => languageStore.set('en'));

  it('says so calmly, as a status, with initials instead of the frozen picture; the name stays', () => {
    const tree = Tile({
      name: 'Ada Lovelace',
      self: false,
      video,
      micMuted: false,
      pausedForBandwidth: true,
    });
    const [tile] = byTestId(tree, 'tile');
    expect(tile?.props['data-paused-bandwidth']).toBe('true');
    expect(tile?.props['data-camera']).toBe('off');
    const [notice] = byTestId(tree, 'tile-paused-bandwidth');
    expect(notice?.props.role).toBe('status');
    expect(notice?.props.children).toBe('Video paused — your connection is too slow for it');
    expect(withClass(tree, 'tile__avatar')).toHaveLength(1);
    expect(withClass(tree, 'tile__name')[0]?.props.children).toBe('Ada Lovelace');
  });

  it('shows the video again, without the notice, once resumed', () => {
    const tree = Tile({ name: 'Ada', self: false, video, micMuted: false, pausedForBandwidth: false });
    const [tile] = byTestId(tree, 'tile');
    expect(tile?.props['data-paused-bandwidth']).toBeUndefined();
    expect(tile?.props['data-camera']).toBe('on');
    expect(byTestId(tree, 'tile-paused-bandwidth')).toEqual([]);
    expect(withClass(tree, 'tile__avatar')).toEqual([]);
  });

  it('marks a paused screen share the same way, in German too', () => {
    languageStore.set('de');
    const tree = ScreenTile({ name: 'Ada', self: false, video, pausedForBandwidth: true });
    expect(byTestId(tree, 'screen-tile')[0]?.props['data-paused-bandwidth']).toBe('true');
    expect(byTestId(tree, 'tile-paused-bandwidth')[0]?.props.children).toBe(
      'Video pausiert – Ihre Verbindung ist dafür zu langsam',
    );
    const resumed = ScreenTile({ name: 'Ada', self: false, video });
    expect(byTestId(resumed, 'tile-paused-bandwidth')).toEqual([]);
  });
});
