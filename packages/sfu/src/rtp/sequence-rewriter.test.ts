import { describe, expect, it } from 'vitest';
import { SequenceRewriter } from './sequence-rewriter.js';

describe('SequenceRewriter', () => {
  it('passes sequence numbers through until packets are skipped', () => {
    const rewriter = new SequenceRewriter();
    expect([10, 11, 12].map((s) => rewriter.rewrite(s))).toEqual([10, 11, 12]);
  });

  it('closes the gap left by skipped packets, across the 16-bit wrap, and maps NACKs back', () => {
    const rewriter = new SequenceRewriter();
    expect(rewriter.rewrite(65534)).toBe(65534);
    rewriter.skip();
    // 65535 … 9 were left out; 10 follows 65534.
    expect(rewriter.rewrite(10)).toBe(65535);
    expect(rewriter.rewrite(11)).toBe(0);
    expect(rewriter.original(0)).toBe(11);
    // A late packet does not move the stream backwards.
    expect(rewriter.rewrite(9)).toBe(65534);
    expect(rewriter.rewrite(12)).toBe(1);
  });

  it('maps a late packet into the current run, never before the last resync', () => {
    const rewriter = new SequenceRewriter();
    expect(rewriter.late(5)).toBe(-1); // nothing sent yet
    rewriter.rewrite(10);
    rewriter.rewrite(12);
    expect(rewriter.late(11)).toBe(11);
    rewriter.skip();
    expect(rewriter.late(11)).toBe(-1); // packets are being left out
    expect(rewriter.rewrite(100)).toBe(13);
    expect(rewriter.rewrite(102)).toBe(15);
    expect(rewriter.late(101)).toBe(14); // the gap the subscriber may have NACKed
    // 99 came before the resync at 100: its number (12) was already used by another packet.
    expect(rewriter.late(99)).toBe(-1);
    expect(rewriter.late(103)).toBe(-1); // not late: newer than the last one sent
  });

  it('maps NACKed numbers back to the packets they stood for across offset changes, not padding', () => {
    const rewriter = new SequenceRewriter();
    expect([100, 101, 102].map((s) => rewriter.rewrite(s))).toEqual([100, 101, 102]);
    rewriter.skip(); // 103, 104 left out (upper layers of an SVC picture)
    expect(rewriter.rewrite(105)).toBe(103);
    rewriter.skip();
    expect(rewriter.rewrite(108)).toBe(104);
    const padding = rewriter.insert();
    expect(padding).toBe(105);
    expect(rewriter.rewrite(109)).toBe(106);
    // Each outgoing number to its own incoming one, whichever offset was in force when it was sent.
    expect([100, 101, 102, 103, 104, 106].map((out) => rewriter.original(out))).toEqual([
      100, 101, 102, 105, 108, 109,
    ]);
    expect(rewriter.original(padding)).toBe(-1);
    expect(rewriter.original(107)).toBe(-1); // not sent yet
    expect(rewriter.original(50)).toBe(-1); // never sent
  });
});
