import { useState } from 'preact/hooks';
import type { MessageRef } from './join-messages';
import { requestErrorMessage } from './request-errors';

export interface Actions {
  /** Whether the action `name` is under way (its button shows busy and ignores clicks). */
  pending: (name: string) => boolean;
  /** The last failure of this group, readable. */
  error: MessageRef | null;
  /** Runs `task` as `name`, unless that very action is already under way. Resolves whether it worked. */
  run: (name: string, task: () => Promise<unknown>) => Promise<boolean>;
}

/** Server requests made from one place (a panel), each with its own busy state and one shared error. */
export function useActions(): Actions {
  const [running, setRunning] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<MessageRef | null>(null);
  const run = async (name: string, task: () => Promise<unknown>): Promise<boolean> => {
    if (running.has(name)) return false;
    setRunning((names) => new Set(names).add(name));
    setError(null);
    try {
      await task();
      return true;
    } catch (failure) {
      setError(requestErrorMessage(failure));
      return false;
    } finally {
      setRunning((names) => {
        const next = new Set(names);
        next.delete(name);
        return next;
      });
    }
  };
  return { pending: (name) => running.has(name), error, run };
}
