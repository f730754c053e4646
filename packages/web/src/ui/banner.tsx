import type { ComponentChildren } from 'preact';
import { AlertIcon } from './icons';

/** A message about something that went wrong, announced to screen readers, with optional actions. */
export function Banner({
  children,
  actions,
  testId,
}: {
  children: ComponentChildren;
  actions?: ComponentChildren;
  testId?: string;
}) {
  return (
    <div class="banner" role="alert" data-testid={testId}>
      <AlertIcon />
      <div class="banner__text">{children}</div>
      {actions && <div class="banner__actions">{actions}</div>}
    </div>
  );
}
