/** The order's items in words, when they say what they are (`items` is the business's own JSON). */
export function itemLines(items: unknown[] | null): Array<{ name: string; quantity: number | null }> {
  if (!Array.isArray(items)) return [];
  const lines: Array<{ name: string; quantity: number | null }> = [];
  for (const item of items) {
    if (typeof item === 'string' && item.trim()) lines.push({ name: item.trim(), quantity: null });
    else if (item && typeof item === 'object') {
      const { name, description, quantity } = item as Record<string, unknown>;
      const label = typeof name === 'string' ? name : typeof description === 'string' ? description : null;
      if (label && label.trim()) lines.push({ name: label.trim(), quantity: typeof quantity === 'number' && Number.isFinite(quantity) ? quantity : null });
    }
  }
  return lines;
}
