import { Liquid, type Template } from 'liquidjs';
import { TEMPLATE_VARIABLES, type TemplatePartPath } from '../domain/message';

/** What a tenant's template sees (API.md "Branding and message templates"); a value that does not apply is null. */
export interface TemplateScope {
  order: { reference: string | null; status: string | null; eta: string | null };
  customer: { name: string | null };
  courier: { name: string | null };
  tracking_url: string | null;
  tenant: { display_name: string };
  code: string | null;
}

/** How a template's output values are written: HTML-escaped (the `html` part) or as they are. */
export type Escaping = 'html' | 'none';

/** How a part's values are written: escaped in the HTML email's content, as they are in every other part. */
export function escapingOf(part: TemplatePartPath): Escaping {
  return part === 'html' ? 'html' : 'none';
}

/** A template parsed and checked, ready to render. */
export interface CompiledTemplate {
  readonly escaping: Escaping;
  readonly templates: Template[];
}

/** A template that does not parse, uses what it may not, or fails on sample values: where, and why. */
export class TemplateSourceError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'TemplateSourceError';
  }
}

export interface LiquidSandboxOptions {
  /**
   * Longest a render may take, in ms: a loop that runs away ends there (and the part falls back to its built-in text).
   * @default 50
   */
  renderLimitMs?: number;
  /**
   * Bound on what one render may allocate (liquidjs counts the length of strings and arrays it builds).
   * @default 1000000
   */
  memoryLimit?: number;
}

// Tags that read other templates (from the file system or partials); none is available to a tenant.
const READING_TAGS = ['include', 'render', 'layout', 'block'];
// Properties of a known variable a template may read (a string's length, its first or last character).
const MEMBERS = new Set(['size', 'first', 'last']);
const KNOWN: ReadonlySet<string> = new Set(TEMPLATE_VARIABLES);

/** What a template is tried with when it is put: every variable set, as at send time. */
export const SAMPLE_SCOPE: TemplateScope = {
  order: { reference: 'SAMPLE-1042', status: 'out_for_delivery', eta: '14:30' },
  customer: { name: 'Ada Lovelace' },
  courier: { name: 'Sam' },
  tracking_url: 'https://tracking.example/track/ord_sample?token=sample',
  tenant: { display_name: 'Acme' },
  code: '123456',
};

/**
 * Tenants' Liquid templates, run so that they reach nothing outside the values given: no tag that reads another
 * template (no file system, no partials), no filter that turns escaping off (`raw`), strict variables (only those of
 * {@link TEMPLATE_VARIABLES}) and filters, own properties only, and every render bounded in time and memory. A
 * template runs no code of its author's: Liquid is interpreted over the scope.
 */
export class LiquidSandbox {
  private readonly engines: Record<Escaping, Liquid>;

  constructor(options: LiquidSandboxOptions = {}) {
    const renderLimit = options.renderLimitMs ?? 50;
    const memoryLimit = options.memoryLimit ?? 1_000_000;
    if (!(renderLimit > 0)) throw new RangeError('LiquidSandbox: renderLimitMs must be > 0');
    if (!(memoryLimit > 0)) throw new RangeError('LiquidSandbox: memoryLimit must be > 0');
    const engine = (escaping: Escaping): Liquid => {
      const liquid = new Liquid({
        strictVariables: true,
        strictFilters: true,
        ownPropertyOnly: true,
        outputEscape: escaping === 'html' ? 'escape' : undefined,
        // Lookups of other templates go to this empty map, never to the file system (the tags are gone anyway).
        templates: {},
        dynamicPartials: false,
        relativeReference: false,
        cache: false,
        // The `date` filter in UTC, whatever the node's own zone: the same text on every node.
        timezoneOffset: 0,
        renderLimit,
        memoryLimit,
      });
      for (const tag of READING_TAGS) delete liquid.tags[tag];
      liquid.unregisterFilter('raw');
      return liquid;
    };
    this.engines = { html: engine('html'), none: engine('none') };
  }

  /**
   * Parses `source`, checks that it uses known variables only, and renders it once with sample values.
   * @throws TemplateSourceError naming the line of the first problem
   */
  compile(source: string, escaping: Escaping): CompiledTemplate {
    const engine = this.engines[escaping];
    let templates: Template[];
    try {
      templates = engine.parse(source);
    } catch (error) {
      throw sourceError(error);
    }
    const { globals } = engine.analyzeSync(templates, { partials: false });
    for (const uses of Object.values(globals)) {
      for (const variable of uses) {
        const segments = variable.segments;
        const path = segments.every((segment) => typeof segment === 'string') ? segments.join('.') : null;
        const known = path !== null && (KNOWN.has(path) || (KNOWN.has(segments.slice(0, -1).join('.')) && MEMBERS.has(String(segments.at(-1)))));
        if (!known) {
          throw new TemplateSourceError(variable.location.row, variable.location.col, `unknown variable ${String(variable)}; known: ${TEMPLATE_VARIABLES.join(', ')}`);
        }
      }
    }
    const compiled = { escaping, templates };
    try {
      this.render(compiled, SAMPLE_SCOPE);
    } catch (error) {
      throw sourceError(error);
    }
    return compiled;
  }

  /** Renders a compiled template. @throws the engine's error when it fails (over its limits, a filter refusing a value) */
  render(compiled: CompiledTemplate, scope: TemplateScope): string {
    return String(this.engines[compiled.escaping].renderSync(compiled.templates, scope));
  }
}

/** The engine's error as a TemplateSourceError: its position, and its message without the position it appends. */
function sourceError(error: unknown): TemplateSourceError {
  const liquid = error as { token?: { getPosition?: () => [number, number] }; message?: string };
  const [line, column] = liquid.token?.getPosition?.() ?? [1, 1];
  const reason = String(liquid.message ?? 'the template could not be read').replace(/,? line:\d+, col:\d+$/, '');
  return new TemplateSourceError(line, column, reason);
}
