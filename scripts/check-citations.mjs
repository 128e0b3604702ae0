#!/usr/bin/env node
// Comments and docs cite the project's own docs and tests (docs/requirements.md, a test file), never a document
// outside the repository: no bare requirement codes (a capital letter and a number in parentheses, or opening a
// comment), which no file here defines, and no name of an outside requirements document.
// Run by `npm test`; exits 1 and lists the lines otherwise.
import { execFileSync } from 'node:child_process';

const CODE = String.raw`\b[ZIAPDO][0-9]{1,2}\b`;
// A code as a citation: in parentheses, alone or in lists and ranges, or opening a comment line.
const OUTSIDE_DOC = ['RELIA', 'BILITY'].join('');
const pattern = String.raw`\((${CODE}([–, -]+${CODE})*)\)|${OUTSIDE_DOC}|[*/-] ${CODE}[:, ]`;
let out = '';
try {
  out = execFileSync('git', ['grep', '-nE', pattern, '--', '.', ':!bun.lock', ':!scripts/check-citations.mjs'], { encoding: 'utf8' });
} catch (error) {
  if (error.status !== 1) throw error; // 1: nothing found
}
if (out.trim()) {
  console.error(`Cite docs/requirements.md or a test instead of these codes:\n${out}`);
  process.exit(1);
}
console.log('citations: ok');
