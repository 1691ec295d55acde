/**
 * Compile-time assertions for the type tests (`*.test-d.ts`): `tsc --noEmit` checks them, nothing runs them. A type
 * that should not compile is marked `// @ts-expect-error`, which fails the check if it compiles after all.
 */

/** Whether two types are the same type (not merely assignable one way). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Holds only when the type argument is `true`: `expectTrue<Equal<A, B>>()`. */
export function expectTrue<_Check extends true>(): void {}
