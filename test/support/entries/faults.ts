/**
 * What the crash entry points share: dying the way a power cut or an OOM kill does, and wrapping one method of a
 * part of the node, every other member left as it is.
 */

/** Ends this process at once (SIGKILL): no shutdown, nothing flushed, nothing more written. */
export function die(): void {
  process.kill(process.pid, 'SIGKILL');
}

/** `target` with `method` replaced by what `replace` makes of the original (bound to `target`). */
export function replaceMethod<T extends object, K extends keyof T>(target: T, method: K, replace: (original: T[K]) => T[K]): T {
  const member = target[method];
  if (typeof member !== 'function') throw new TypeError(`${String(method)} is not a method`);
  const replaced = replace(member.bind(target) as T[K]);
  return new Proxy(target, {
    get(object, property) {
      if (property === method) return replaced;
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}
