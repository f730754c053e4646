import { describe, expect, it } from 'vitest';
import { RESEND_INTERVAL_MS, RETRANSMIT_BURST_PACKETS } from './budgets.js';
import { RetransmissionBudget } from './retransmission-budget.js';

describe('RetransmissionBudget (what a subscriber’s NACKs may make the SFU resend)', () => {
  it('resends a packet once per RESEND_INTERVAL_MS, however often it is NACKed', () => {
    const budget = new RetransmissionBudget();
    expect(budget.mayResend(10, 1000, 0)).toBe(true);
    expect(budget.mayResend(10, 1000, RESEND_INTERVAL_MS - 1)).toBe(false);
    expect(budget.mayResend(10, 1000, RESEND_INTERVAL_MS)).toBe(true);
  });

  it('spends a burst, then only the credit that forwarding earns (its share of the bytes)', () => {
    const budget = new RetransmissionBudget(50);
    let resent = 0;
    for (let sequence = 0; sequence < 2 * RETRANSMIT_BURST_PACKETS; sequence++)
      if (budget.mayResend(sequence, 100, 0)) resent++;
    expect(resent).toBe(RETRANSMIT_BURST_PACKETS);
    expect(budget.mayResend(1000, 100, 0)).toBe(false);
    budget.earn(100); // half a packet's credit at 50 %
    expect(budget.mayResend(1000, 50, 0)).toBe(false);
    budget.earn(100);
    expect(budget.mayResend(1000, 100, 0)).toBe(true);
  });

  it('earns at the limited share while the subscriber is short of bandwidth, then at its own again', () => {
    const budget = new RetransmissionBudget(50);
    for (let sequence = 0; sequence < RETRANSMIT_BURST_PACKETS; sequence++)
      budget.mayResend(sequence, 100, 0);
    budget.limitShare(0.1);
    budget.earn(1000); // 100 bytes of credit at 10 %
    expect(budget.forwardedBytes).toBe(1000);
    expect(budget.mayResend(1000, 101, 0)).toBe(false);
    expect(budget.mayResend(1000, 100, 0)).toBe(false); // a tenth of a packet's credit earned per packet
    budget.limitShare(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 2; i++) budget.earn(100);
    expect(budget.mayResend(1001, 100, 0)).toBe(true);
  });
});
