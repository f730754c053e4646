import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** Client-side navigation over the History API; the server answers every page path with the app. */

const NAVIGATE_EVENT = 'parley:navigate';

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

export interface CurrentLocation {
  pathname: string;
  search: string;
}

function readLocation(): CurrentLocation {
  return { pathname: location.pathname, search: location.search };
}

export function useLocation(): CurrentLocation {
  const [current, setCurrent] = useState(readLocation);
  useEffect(() => {
    const update = () => setCurrent(readLocation());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE_EVENT, update);
    };
  }, []);
  return current;
}

interface LinkProps {
  href: string;
  class?: string;
  children: ComponentChildren;
}

/** An ordinary link that navigates without reloading the page (modified clicks still open new tabs). */
export function Link({ href, class: className, children }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} class={className} onClick={onClick}>
      {children}
    </a>
  );
}
