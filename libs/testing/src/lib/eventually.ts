/**
 * Waits for a condition, never for a duration: `check` is polled until it returns something other
 * than undefined, which is returned (a throw from `check` ends the wait at once). Past `timeoutMs`
 * it fails naming `what` and the last state `describe` reports, so a timeout says how far things
 * got. The bound is there to name what was awaited, not to time anything: on a loaded machine
 * outcomes can take seconds (#10), so it is generous.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string> | string } = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const state = options.describe ? ` (last seen: ${await options.describe()})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
