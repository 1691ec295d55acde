/**
 * The one polling loop of the suite, for conditions that announce themselves with no event a test could await:
 * state in Redis or a store, a page of the API, another process's work. Asks `check` every `everyMs` until it
 * answers something other than false, null or undefined, and resolves with that answer; fails naming `what` once
 * `timeoutMs` has passed. `what` may be a function, to describe the last state seen.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  what: string | (() => string),
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await check();
    if (answer !== false && answer !== null && answer !== undefined) return answer as Exclude<T, false | null | undefined>;
    if (Date.now() > deadline) throw new Error(`${typeof what === 'string' ? what : what()}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
