/**
 * The simulcast layer a subscriber gets for its display size, before any bandwidth rule
 * (forwarding/subscription.ts chooseLayer): the largest layer the publisher sends at or below the
 * wanted one, or, when none at or below it is sent, the smallest larger one that is (a picture a bit
 * too large beats no picture). Ranks count from the smallest picture (0) to `top`; `sent(rank)` says
 * whether the publisher sends that layer now. With nothing sent at all it returns the lowest rank.
 */
export function layerForSize(wanted: number, top: number, sent: (rank: number) => boolean): number {
  let rank = Math.min(top, wanted);
  while (rank > 0 && !sent(rank)) rank--;
  if (!sent(rank))
    for (let above = rank + 1; above <= top; above++) {
      if (sent(above)) return above;
    }
  return rank;
}
