#!/usr/bin/env node
// Tests that cannot fail count as passes on every run, so `npm test` refuses them in the test files git sees
// (tracked, or new and not ignored):
// - a test whose body is empty (`test.skipIf(x)('… needs Postgres', () => {})`): put the test in a
//   `describe.skipIf(…)` or use `test.skip`/`test.todo`, which the report counts as skipped, not passed;
// - a test whose body calls nothing and throws nothing, so nothing in it can fail;
// - `expect(…)` of a constant (a literal with no name or call in it) against constants, which only restates what the
//   test wrote (`expect(['a', 'b']).toHaveLength(2)`).
// Type-level tests (`@ts-expect-error`, `satisfies`) are checked by the type check and pass here.
// Run by `npm test`; exits 1 and lists the tests otherwise.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { default: ts } = await import(join(root, 'node_modules/typescript/lib/typescript.js'));

const files = (
  process.argv.length > 2
    ? process.argv.slice(2)
    : execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.test.ts', '*.test.tsx', '*.test.js', '*.test.mjs'], {
        cwd: root,
        encoding: 'utf8',
      }).split('\n')
).filter(Boolean);

/** `test`, `it`, `test.only`, `test.skipIf(x)`, `test.each(rows)`… as the callee of the call that names a test. */
const namesTest = (e) =>
  ts.isIdentifier(e)
    ? e.text === 'test' || e.text === 'it'
    : ts.isPropertyAccessExpression(e)
      ? e.name.text !== 'skip' && e.name.text !== 'todo' && namesTest(e.expression)
      : ts.isCallExpression(e) && namesTest(e.expression);

/** True when `node` has no identifier (other than `undefined`), call, `this` or template substitution in it. */
function constant(node) {
  let found = false;
  const visit = (n) => {
    if (found) return;
    if ((ts.isIdentifier(n) && n.text !== 'undefined') || ts.isCallExpression(n) || n.kind === ts.SyntaxKind.ThisKeyword) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return !found;
}

const problems = [];
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const report = (node, why) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    problems.push(`${file}:${line + 1}: ${why}`);
  };
  const visit = (node) => {
    if (ts.isCallExpression(node) && namesTest(node.expression)) {
      const body = node.arguments.find((a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a))?.body;
      if (body) {
        const bodyText = text.slice(body.getFullStart(), body.end);
        let acts = !ts.isBlock(body) || /@ts-expect-error|\bsatisfies\b/.test(bodyText);
        const scan = (n) => {
          if (ts.isCallExpression(n) || ts.isThrowStatement(n) || ts.isAwaitExpression(n) || ts.isNewExpression(n)) acts = true;
          if (!acts) ts.forEachChild(n, scan);
        };
        scan(body);
        if (ts.isBlock(body) && body.statements.length === 0 && !/@ts-expect-error/.test(bodyText))
          report(node, 'an empty test passes on every run: mark it skipped (test.skip, describe.skipIf) or delete it');
        else if (!acts) report(node, 'this test calls and throws nothing, so it cannot fail');
      }
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'expect') {
      // `expect(3).toBe(3)`: the value and every matcher argument are constants (`expect([401, 403]).toContain(s)` is not).
      let matcher = node.parent;
      while (ts.isPropertyAccessExpression(matcher) && ts.isPropertyAccessExpression(matcher.parent)) matcher = matcher.parent;
      const call = ts.isPropertyAccessExpression(matcher) && ts.isCallExpression(matcher.parent) ? matcher.parent : undefined;
      if ([...node.arguments, ...(call?.arguments ?? [])].every(constant))
        report(node, `${(call ?? node).getText(source).slice(0, 60)} checks a constant the test wrote itself`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
if (problems.length) {
  console.error(`Tests that cannot fail:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log(`tests that cannot fail: none in ${files.length} files`);
