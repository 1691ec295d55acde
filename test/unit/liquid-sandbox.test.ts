/**
 * Tenants' Liquid templates run in a sandbox (API.md "Branding and message templates"): only the documented
 * variables, no tag or filter that reaches outside or turns escaping off, values escaped in HTML, and every render
 * bounded; a problem is reported with its line.
 */
import { LiquidSandbox, SAMPLE_SCOPE, TemplateSourceError, type TemplateScope } from '../../src/services/liquid-sandbox';

const sandbox = new LiquidSandbox();

/** The error compiling `source` throws, or null when it compiles. */
function problem(source: string, escaping: 'html' | 'none' = 'none'): { line: number; reason: string } | null {
  try {
    sandbox.compile(source, escaping);
    return null;
  } catch (error) {
    if (!(error instanceof TemplateSourceError)) throw error;
    return { line: error.line, reason: error.reason };
  }
}

it('renders every documented variable', () => {
  const source = '{{ order.reference }}|{{ order.status }}|{{ order.eta }}|{{ customer.name }}|{{ courier.name }}|{{ tracking_url }}|{{ tenant.display_name }}|{{ code }}';
  const scope: TemplateScope = {
    order: { reference: 'R1', status: 'shipped', eta: '17:30' },
    customer: { name: 'Ada' },
    courier: { name: 'Kit' },
    tracking_url: 'https://t.example/track/o?token=a&b',
    tenant: { display_name: 'Acme' },
    code: '654321',
  };
  expect(sandbox.render(sandbox.compile(source, 'none'), scope)).toBe('R1|shipped|17:30|Ada|Kit|https://t.example/track/o?token=a&b|Acme|654321');
  // A value that does not apply is empty, not an error.
  expect(sandbox.render(sandbox.compile('[{{ courier.name }}]', 'none'), { ...scope, courier: { name: null } })).toBe('[]');
});

it('escapes values in HTML and leaves them as they are in text', () => {
  const scope = { ...SAMPLE_SCOPE, customer: { name: '<script>alert("x")</script> & Co' } };
  expect(sandbox.render(sandbox.compile('<p>{{ customer.name }}</p>', 'html'), scope)).toBe('<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co</p>');
  expect(sandbox.render(sandbox.compile('{{ customer.name }}', 'none'), scope)).toBe('<script>alert("x")</script> & Co');
});

it('takes filters, tags, locals and loops over the known variables', () => {
  const source = '{% assign first = customer.name | split: " " | first %}{{ first | upcase }} {{ order.reference.size }}{% if courier.name %} {{ courier.name }}{% endif %}';
  expect(sandbox.render(sandbox.compile(source, 'none'), SAMPLE_SCOPE)).toBe('ADA 11 Sam');
});

it('refuses an unknown variable, naming its line', () => {
  expect(problem('Hello\n\n{{ customer.email }}')).toEqual({ line: 3, reason: expect.stringContaining('unknown variable customer.email') });
  expect(problem('{{ order }}')).toEqual({ line: 1, reason: expect.stringContaining('unknown variable order') });
  expect(problem('a\n{% if secret %}x{% endif %}')).toEqual({ line: 2, reason: expect.stringContaining('unknown variable secret') });
  expect(problem('{{ order.constructor }}')).toEqual({ line: 1, reason: expect.stringContaining('unknown variable') });
  expect(problem('{{ order[customer.name] }}')).toEqual({ line: 1, reason: expect.stringContaining('unknown variable') });
});

it('refuses what does not parse, naming its line', () => {
  expect(problem('one\ntwo\n{{ customer.name ')).toEqual({ line: 3, reason: expect.stringContaining('not closed') });
  expect(problem('{% if customer.name %}\nno end')).toEqual({ line: 1, reason: expect.stringContaining('not closed') });
  expect(problem('x\n{{ customer.name | no_such_filter }}')).toEqual({ line: 2, reason: expect.stringContaining('undefined filter') });
});

it('has no tag that reads another template, and no filter that turns escaping off', () => {
  for (const source of ['{% include "/etc/passwd" %}', '{% render "x" %}', '{% layout "x" %}', '{% block x %}{% endblock %}']) {
    expect(problem(source)).toEqual({ line: 1, reason: expect.stringMatching(/tag ".*" not found/) });
  }
  expect(problem('{{ customer.name | raw }}', 'html')).toEqual({ line: 1, reason: expect.stringContaining('undefined filter: raw') });
});

it('bounds a render: a runaway loop or a huge string fails, and a template that does so on sample values is refused', () => {
  expect(problem('{% for i in (1..100000000) %}x{% endfor %}')).toEqual({ line: 1, reason: expect.stringMatching(/limit exceeded/) });
  expect(problem('{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}')).toEqual({ line: 1, reason: expect.stringMatching(/limit exceeded/) });
  // Compiles (the sample customer is not "Slow"), and fails when rendered for one who is.
  const conditional = sandbox.compile('{% if customer.name == "Slow" %}{% for i in (1..100000000) %}x{% endfor %}{% endif %}ok', 'none');
  expect(sandbox.render(conditional, SAMPLE_SCOPE)).toBe('ok');
  expect(() => sandbox.render(conditional, { ...SAMPLE_SCOPE, customer: { name: 'Slow' } })).toThrow(/limit exceeded/);
});

it('rejects bad limits at construction', () => {
  expect(() => new LiquidSandbox({ renderLimitMs: 0 })).toThrow(RangeError);
  expect(() => new LiquidSandbox({ memoryLimit: -1 })).toThrow(RangeError);
});
