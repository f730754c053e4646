/**
 * Poll `condition` until it returns true (or a truthy value, which is returned), failing with `what`
 * after `timeoutMs`. Tests wait for conditions, never for fixed sleeps.
 */
export async function waitFor<T>(
  what: string,
  condition: () => T | Promise<T>,
  {
    timeoutMs = 5000,
    intervalMs = 20,
    explain,
  }: {
    timeoutMs?: number;
    intervalMs?: number;
    /** What the failure message adds: the state that kept the condition false. */
    explain?: () => string;
  } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const state = explain ? `; ${explain()}` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${reason}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
