/**
 * The one maker of names that must not collide: ids and references inside a server, Redis key prefixes, database
 * schemas. `<kind>-<pid>-<time>-<n>`: the counter keeps one test file's names apart, the pid the jest workers running
 * side by side, the time the runs that share a Redis or a database.
 */
let counter = 0;

/** A fresh name of `kind`; `separator` `_` makes it a lower-case SQL identifier when `kind` is one. */
export function unique(kind = 'x', separator: '-' | '_' = '-'): string {
  counter += 1;
  return [kind, process.pid, Date.now().toString(36), counter].join(separator);
}
