import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';

/** Calls `onResize` with the element's size now and whenever it changes; nothing when not given. */
export function useResizeReport(
  ref: RefObject<HTMLElement | null>,
  onResize: ((width: number, height: number) => void) | undefined,
): void {
  useEffect(() => {
    const element = ref.current;
    if (!element || !onResize || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => onResize(element.clientWidth, element.clientHeight));
    observer.observe(element);
    return () => {
      observer.disconnect();
      // Gone from the screen: the server may stop forwarding this video's larger layers.
      onResize(0, 0);
    };
  }, [ref, onResize !== undefined]);
}
