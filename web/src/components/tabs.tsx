import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';

export interface TabDefinition {
  id: string;
  label: string;
}

/**
 * An accessible tablist (WAI-ARIA tabs, automatic activation): arrow keys, Home and End move
 * between tabs, only the selected tab is in the tab order, and its panel follows.
 */
export function Tabs({
  label,
  tabs,
  selected,
  onSelect,
  children,
}: {
  label: string;
  tabs: TabDefinition[];
  selected: string;
  onSelect: (id: string) => void;
  children: ComponentChildren;
}) {
  const list = useRef<HTMLDivElement>(null);

  function move(event: KeyboardEvent) {
    const index = tabs.findIndex((tab) => tab.id === selected);
    const next =
      event.key === 'ArrowRight' ? (index + 1) % tabs.length
      : event.key === 'ArrowLeft' ? (index - 1 + tabs.length) % tabs.length
      : event.key === 'Home' ? 0
      : event.key === 'End' ? tabs.length - 1
      : undefined;
    if (next === undefined) return;
    event.preventDefault();
    onSelect(tabs[next]!.id);
    list.current?.querySelector<HTMLElement>(`#tab-${tabs[next]!.id}`)?.focus();
  }

  return (
    <>
      <div class="tablist" role="tablist" aria-label={label} ref={list} onKeyDown={move}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            id={`tab-${tab.id}`}
            type="button"
            role="tab"
            aria-selected={tab.id === selected}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === selected ? 0 : -1}
            onClick={() => onSelect(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div id={`panel-${selected}`} role="tabpanel" aria-labelledby={`tab-${selected}`} tabIndex={0}>
        {children}
      </div>
    </>
  );
}
