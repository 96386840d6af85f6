// /docs: the server's own OpenAPI document rendered as a reference. Descriptions are
// Markdown-ish text: paragraphs, `code` spans and "- " lists are rendered, nothing else, and
// always through text nodes.
import { byId, clear, el, say, sayError, call } from './dashboard-ui.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
let spec;

function resolve(node) {
  let current = node;
  for (let hops = 0; current && current.$ref && hops < 20; hops += 1) {
    current = current.$ref.replace(/^#\//, '').split('/').reduce((acc, part) => (acc ? acc[part] : undefined), spec);
  }
  return current || {};
}

function refName(node) {
  return node && node.$ref ? node.$ref.split('/').pop() : null;
}

function typeOf(schema) {
  if (!schema) return '';
  if (schema.$ref) return refName(schema);
  if (schema.anyOf || schema.oneOf) return (schema.anyOf || schema.oneOf).map(typeOf).join(' | ');
  if (schema.allOf) return schema.allOf.map(typeOf).join(' & ');
  const types = Array.isArray(schema.type) ? schema.type : [schema.type || 'any'];
  return types.map((t) => (t === 'array' ? `array of ${typeOf(schema.items) || 'any'}` : t)).join(' | ');
}

function constraints(schema) {
  const s = schema && schema.$ref ? resolve(schema) : (schema || {});
  const parts = [];
  if (s.enum) parts.push(`one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (s.minLength !== undefined) parts.push(`min length ${s.minLength}`);
  if (s.maxLength !== undefined) parts.push(`max length ${s.maxLength}`);
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.maxItems !== undefined) parts.push(`at most ${s.maxItems} items`);
  if (s.format) parts.push(s.format);
  return parts.join(', ');
}

// `code` spans inside one line of text.
function inline(text) {
  return text.split(/(`[^`]+`)/).filter(Boolean)
    .map((part) => (part.length > 2 && part.startsWith('`') && part.endsWith('`') ? el('code', {}, part.slice(1, -1)) : part));
}

function prose(text) {
  if (!text) return null;
  const blocks = String(text).split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  return el('div', { class: 'prose' }, blocks.map((block) => {
    const lines = block.split('\n');
    if (lines.every((line) => /^\s*[-*] /.test(line))) {
      return el('ul', {}, lines.map((line) => el('li', {}, inline(line.replace(/^\s*[-*] /, '')))));
    }
    return el('p', {}, inline(lines.join(' ')));
  }));
}

function grid(head, rows) {
  return el('div', { class: 'table-wrap' }, el('table', {},
    el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c) => el('td', {}, c ?? '')))))));
}

function parametersOf(pathItem, op) {
  const all = [...(pathItem.parameters || []), ...(op.parameters || [])].map(resolve);
  if (!all.length) return null;
  return [el('h4', {}, 'Parameters'), grid(['Name', 'In', 'Type', 'Required', 'Description'], all.map((p) => [
    el('code', {}, p.name), p.in, [typeOf(p.schema), constraints(p.schema) ? ` (${constraints(p.schema)})` : ''].join(''),
    p.required ? 'yes' : 'no', prose(p.description),
  ]))];
}

function bodyOf(op) {
  if (!op.requestBody) return null;
  const body = resolve(op.requestBody);
  const [type, media] = Object.entries(body.content || {})[0] || [];
  if (!media) return null;
  const schema = resolve(media.schema);
  const required = new Set(schema.required || []);
  const fields = Object.entries(schema.properties || {});
  return [
    el('h4', {}, `Request body (${type}${body.required ? ', required' : ''})`),
    fields.length
      ? grid(['Field', 'Type', 'Required', 'Description'], fields.map(([name, field]) => [
        el('code', {}, name),
        [typeOf(field), constraints(field) ? ` (${constraints(field)})` : ''].join(''),
        required.has(name) ? 'yes' : 'no',
        prose(field.description || resolve(field).description),
      ]))
      : el('p', {}, typeOf(media.schema)),
  ];
}

function errorCodes(response) {
  const media = (response.content || {})['application/json'];
  if (!media) return [];
  const schema = media.schema && media.schema.$ref ? resolve(media.schema) : (media.schema || {});
  const code = (schema.properties || {}).code;
  return code && code.enum ? code.enum : [];
}

function responsesOf(op) {
  const rows = Object.entries(op.responses || {}).map(([status, raw]) => {
    const response = resolve(raw);
    const media = (response.content || {})['application/json'];
    const codes = errorCodes(response);
    return [
      el('code', {}, status),
      prose(response.description),
      codes.length ? inline(codes.map((c) => `\`${c}\``).join(', ')) : (media && media.schema ? typeOf(media.schema) : ''),
    ];
  });
  return [el('h4', {}, 'Responses'), grid(['Status', 'Meaning', 'Body / error codes'], rows)];
}

function securityOf(op) {
  const security = op.security === undefined ? spec.security : op.security;
  const names = (security || []).flatMap((s) => Object.keys(s));
  return el('p', { class: 'muted' }, 'Authentication: ', names.length ? inline(names.map((n) => `\`${n}\``).join(' or ')) : 'none');
}

function operation(path, pathItem, method, op) {
  const text = [method, path, op.summary, op.description, ...(op.tags || [])].join(' ').toLowerCase();
  return el('article', { class: 'op', 'data-path': path, 'data-method': method, 'data-search': text },
    el('h3', {}, el('span', { class: `method method-${method}` }, method), el('code', {}, path)),
    op.summary ? el('p', {}, el('strong', {}, op.summary)) : null,
    prose(op.description), securityOf(op), parametersOf(pathItem, op), bodyOf(op), responsesOf(op));
}

function slug(name) {
  return `tag-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

function render() {
  const tags = [...(spec.tags || [])];
  const byTag = new Map(tags.map((t) => [t.name, []]));
  let count = 0;
  for (const [path, pathItem] of Object.entries(spec.paths || {})) {
    for (const method of METHODS) {
      const op = pathItem[method];
      if (!op) continue;
      const tag = (op.tags && op.tags[0]) || 'other';
      if (!byTag.has(tag)) {
        byTag.set(tag, []);
        tags.push({ name: tag });
      }
      byTag.get(tag).push(operation(path, pathItem, method, op));
      count += 1;
    }
  }
  const used = tags.filter((t) => byTag.get(t.name).length);
  clear(byId('docs-toc'), used.map((t) => el('li', { 'data-tag': t.name }, el('a', { href: `#${slug(t.name)}` }, t.name))));
  clear(byId('docs-body'), used.map((t) => el('section', { id: slug(t.name), class: 'tag', 'data-tag': t.name },
    el('h2', {}, t.name), prose(t.description), byTag.get(t.name))));
  const paths = Object.keys(spec.paths || {}).length;
  byId('docs-count').textContent = `${count} operations on ${paths} paths`;
  return { count, paths };
}

function filter(query, total) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const section of document.querySelectorAll('#docs-body section.tag')) {
    let visible = 0;
    for (const op of section.querySelectorAll('article.op')) {
      const match = words.every((w) => op.dataset.search.includes(w));
      op.hidden = !match;
      if (match) visible += 1;
    }
    section.hidden = visible === 0;
    const entry = document.querySelector(`#docs-toc li[data-tag="${CSS.escape(section.dataset.tag)}"]`);
    if (entry) entry.hidden = visible === 0;
    shown += visible;
  }
  byId('docs-count').textContent = words.length ? `${shown} of ${total.count} operations` : `${total.count} operations on ${total.paths} paths`;
}

async function start() {
  try {
    spec = await call('GET', '/api/openapi.json');
  } catch (error) {
    sayError(byId('docs-status'), error);
    return;
  }
  const info = spec.info || {};
  byId('docs-title').textContent = `${info.title || 'API'} reference${info.version ? ` (${info.version})` : ''}`;
  clear(byId('docs-intro'), prose(info.description));
  const total = render();
  say(byId('docs-status'), '');
  byId('docs-filter').addEventListener('input', (event) => filter(event.target.value, total));
  if (window.location.hash) document.getElementById(window.location.hash.slice(1))?.scrollIntoView();
}

start();
