// A rollup plugin that squeezes the whitespace out of Lit's css`` and html`` / svg`` templates in the widget's
// sources (terser leaves template text alone). Conservative on purpose:
//   css: drops comments, collapses whitespace, removes it around { } ; , > and after a property's colon, and drops
//        the zero of a number below one (0.9em → .9em);
//   html/svg: removes whitespace between tags and collapses the rest to one space (never inside an expression).

const TAGS = new Set(['css', 'html', 'svg']);

export function minifyCss(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/([\s:(,/])0\.(\d)/g, '$1.$2')
    .replace(/([a-z-]):\s/g, '$1:')
    .replace(/;}/g, '}');
}

export function minifyHtml(text) {
  return text.replace(/>\s+</g, '><').replace(/\s{2,}/g, ' ');
}

function walk(node, visit) {
  if (!node || typeof node.type !== 'string') return;
  visit(node);
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (Array.isArray(value)) for (const child of value) walk(child, visit);
    else if (value && typeof value === 'object' && typeof value.type === 'string') walk(value, visit);
  }
}

export function minifyTemplates({ include = /\/widget\/src\/.*\.ts$/ } = {}) {
  return {
    name: 'medchat-minify-templates',
    transform(code, id) {
      if (!include.test(id) || !/\b(css|html|svg)\s*`/.test(code)) return null;
      const edits = [];
      walk(this.parse(code), (node) => {
        if (node.type !== 'TaggedTemplateExpression' || node.tag.type !== 'Identifier' || !TAGS.has(node.tag.name)) return;
        const squeeze = node.tag.name === 'css' ? minifyCss : minifyHtml;
        for (const quasi of node.quasi.quasis) {
          const raw = code.slice(quasi.start, quasi.end);
          const next = squeeze(raw);
          if (next !== raw) edits.push([quasi.start, quasi.end, next]);
        }
      });
      if (!edits.length) return null;
      edits.sort((a, b) => b[0] - a[0]);
      let out = code;
      for (const [start, end, text] of edits) out = out.slice(0, start) + text + out.slice(end);
      return { code: out, map: null };
    },
  };
}
