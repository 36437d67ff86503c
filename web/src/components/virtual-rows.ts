import { elementScroll, observeElementOffset, observeElementRect, Virtualizer, type VirtualItem } from '@tanstack/virtual-core';
import { useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';

/**
 * The rows of a long list that are in view of `scrollElement` (plus a few either side), from
 * @tanstack/virtual-core, wired the way its React adapter wires it: options set on every render,
 * mounted and updated in layout effects, re-rendering when the range moves.
 */
export function useVirtualRows(count: number, rowHeight: number, scrollElement: () => HTMLElement | null): { rows: VirtualItem[]; totalHeight: number } {
  const [, rerender] = useReducer((value: number) => value + 1, 0);
  const options = {
    count,
    getScrollElement: scrollElement,
    estimateSize: () => rowHeight,
    overscan: 12,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    onChange: () => rerender(undefined),
  };
  const [virtualizer] = useState(() => new Virtualizer<HTMLElement, HTMLElement>(options));
  virtualizer.setOptions(options);
  const mounted = useRef(false);
  useLayoutEffect(() => {
    mounted.current = true;
    return virtualizer._didMount();
  }, [virtualizer]);
  useLayoutEffect(() => {
    if (mounted.current) virtualizer._willUpdate();
  });
  return { rows: virtualizer.getVirtualItems(), totalHeight: virtualizer.getTotalSize() };
}
