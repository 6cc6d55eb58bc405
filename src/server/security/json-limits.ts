// Structural limits on parsed JSON bodies: nesting depth and array length. Checked iteratively
// (no recursion to blow the stack on the very documents it exists to refuse) and before any
// normaliser, validator or store code walks the body recursively. Paths use Marathon's notation.

export interface JsonLimits {
  /** Containers nested deeper than this are refused; the top-level value is depth 1. */
  maxDepth: number;
  /** Arrays longer than this are refused. */
  maxArrayLength: number;
}

/** An app is about 6 levels deep; nested groups add 2 per level. */
export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxArrayLength: 10_000 };

export interface JsonLimitViolation { path: string; error: string }

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}(${key})`;
  return `${parent === '/' ? '' : parent}/${key}`;
}

export function checkJsonLimits(value: unknown, limits: JsonLimits = DEFAULT_JSON_LIMITS): JsonLimitViolation | undefined {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: value, depth: 1, path: '/' }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop() as { v: unknown; depth: number; path: string };
    if (v === null || typeof v !== 'object') continue;
    if (depth > limits.maxDepth) return { path, error: `nested deeper than ${limits.maxDepth} levels` };
    if (Array.isArray(v)) {
      if (v.length > limits.maxArrayLength) return { path, error: `array longer than ${limits.maxArrayLength} elements` };
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], depth: depth + 1, path: childPath(path, i) });
    } else {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i];
        stack.push({ v: child, depth: depth + 1, path: childPath(path, k) });
      }
    }
  }
  return undefined;
}
