import { elementScroll, measureElement, observeElementOffset, observeElementRect, Virtualizer } from '@tanstack/virtual-core';
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';

export interface VirtualListHandle {
  scrollToIndex(index: number): void;
}

interface VirtualListProps<T> {
  items: readonly T[];
  itemKey: (item: T, index: number) => string;
  /** A guess at a row's height; rows are measured once drawn. */
  estimate: (item: T) => number;
  render: (item: T, index: number) => ComponentChildren;
  handle?: { current: VirtualListHandle | null };
  class?: string;
  /** Called after each commit with the rows that are drawn (first screen timing, keyboard focus). */
  onRendered?: (first: number, last: number) => void;
  label?: string;
  /** Keep the end in view as rows arrive, while the reader is at the end (watching an agent work). */
  follow?: boolean;
}

/**
 * A scrolling list that draws only the rows in view (TanStack Virtual's framework-free core), so a
 * 2,000-turn session opens as fast as a short one. Rows have their real height: each is measured
 * when drawn, and estimates stand in for the rest.
 */
export function VirtualList<T>(props: VirtualListProps<T>) {
  const scroller = useRef<HTMLDivElement>(null);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const options = {
    count: props.items.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i: number) => props.estimate(props.items[i] as T),
    getItemKey: (i: number) => props.itemKey(props.items[i] as T, i),
    observeElementRect,
    observeElementOffset,
    scrollToFn: elementScroll,
    measureElement,
    overscan: 4,
    onChange: () => redraw(0),
  };
  const [virtualizer] = useState(() => new Virtualizer<HTMLDivElement, HTMLDivElement>(options));
  virtualizer.setOptions({ ...virtualizer.options, ...options });

  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => {
    virtualizer._willUpdate();
  });
  if (props.handle) props.handle.current = { scrollToIndex: (index) => virtualizer.scrollToIndex(index, { align: 'start' }) };

  // Following: rows that arrive while the list is scrolled to its end keep the end in view.
  const count = useRef(props.items.length);
  const atEnd = useRef(false);
  useLayoutEffect(() => {
    const grew = props.items.length > count.current;
    count.current = props.items.length;
    if (props.follow && grew && atEnd.current) virtualizer.scrollToIndex(props.items.length - 1, { align: 'end' });
  }, [props.items.length]);
  const onScroll = () => {
    const el = scroller.current;
    if (el) atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  };

  const rows = virtualizer.getVirtualItems();
  useLayoutEffect(() => {
    if (rows.length > 0) props.onRendered?.(rows[0]?.index ?? 0, rows[rows.length - 1]?.index ?? 0);
  });

  return (
    <div ref={scroller} class={`vlist ${props.class ?? ''}`} role="list" aria-label={props.label} tabIndex={-1} onScroll={onScroll}>
      <div class="vlist-space" style={{ height: `${virtualizer.getTotalSize()}px` }}>
        <div class="vlist-rows" style={{ transform: `translateY(${rows[0]?.start ?? 0}px)` }}>
          {rows.map((row) => (
            <div key={row.key as string} data-index={row.index} ref={(el) => {
                if (el) virtualizer.measureElement(el);
              }} role="listitem">
              {props.render(props.items[row.index] as T, row.index)}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
