/** A tiny element builder: the page is plain DOM, and this keeps its construction readable. */
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    if (name === 'class') element.className = value;
    else element.setAttribute(name, value);
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

/** Replaces the children of `element`. */
export function fill(element: Element, ...children: Child[]): void {
  element.replaceChildren(...children.filter((child): child is Node | string => Boolean(child)));
}

/**
 * A phrase with values put in: each `{name}` of `template` becomes `values[name]` (text or an element), so a
 * sentence stays whole for translation wherever its values go.
 */
export function phrase(template: string, values: Record<string, Node | string | number>): Array<Node | string> {
  return template
    .split(/\{(\w+)\}/)
    .map((part, index) => (index % 2 === 0 ? part : values[part] ?? `{${part}}`))
    .map((part) => (typeof part === 'number' ? String(part) : part))
    .filter((part) => part !== '');
}

