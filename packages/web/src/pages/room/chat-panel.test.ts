import type { ChatMessage } from '@parley/protocol';
import type { VNode } from 'preact';
import { describe, expect, it } from 'vitest';
import { ChatMessageView } from './chat-panel';

/** Every vnode in a tree rendered by calling function components (no DOM needed). */
function flatten(node: unknown): VNode<Record<string, unknown>>[] {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(flatten);
  const vnode = node as VNode<Record<string, unknown>>;
  return [vnode, ...flatten(vnode.props.children)];
}

function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(strings);
  return strings((node as VNode<{ children?: unknown }>).props.children);
}

const hostile: ChatMessage = {
  id: 'm1',
  from: 'p1',
  fromName: '<b>Mallory</b>',
  to: null,
  text: '<img src=x onerror="alert(1)"> see https://example.com/',
  sentAt: 0,
};

describe('ChatMessageView', () => {
  it('renders the text as a text node, never as markup', () => {
    const tree = ChatMessageView({ message: hostile, own: false, recipientName: null, onDelete: null });
    const nodes = flatten(tree);
    expect(nodes.some((node) => 'dangerouslySetInnerHTML' in node.props)).toBe(false);
    expect(nodes.some((node) => node.type === 'img' || node.type === 'a')).toBe(false);
    expect(strings(tree)).toContain(hostile.text);
    expect(tree.props['data-author']).toBe('<b>Mallory</b>');
  });

  it("offers chat-delete on one's own message and a separate moderator delete on others'", () => {
    const ids = (own: boolean) =>
      flatten(ChatMessageView({ message: hostile, own, recipientName: null, onDelete: () => undefined }))
        .map((node) => node.props['data-testid'])
        .filter((id) => typeof id === 'string' && id.includes('delete'));
    expect(ids(true)).toEqual(['chat-delete']);
    expect(ids(false)).toEqual(['chat-moderate-delete']);
    const none = flatten(
      ChatMessageView({ message: hostile, own: false, recipientName: null, onDelete: null }),
    );
    expect(none.some((node) => String(node.props['data-testid']).includes('delete'))).toBe(false);
  });

  it('calls a direct message private only when it was end-to-end encrypted', () => {
    const direct = { ...hostile, to: 'p2' };
    const label = (encrypted: boolean, own: boolean) =>
      strings(
        ChatMessageView({ message: { ...direct, encrypted }, own, recipientName: 'Bob', onDelete: null }),
      );
    expect(label(true, false)).toContain('Private to you');
    expect(label(true, true)).toContain('Private to Bob');
    expect(label(false, false)).toContain('Only to you');
    expect(label(false, true)).toContain('Only to Bob');
    expect(label(false, false).some((text) => text.startsWith('Private'))).toBe(false);
  });
});
