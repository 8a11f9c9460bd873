// Prints the gzipped size of the console's JavaScript and fails the build above the budget.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 250 * 1024;
const dir = new URL('../dist/assets/', import.meta.url).pathname;
let raw = 0;
let gzipped = 0;
for (const name of readdirSync(dir)) {
  if (!name.endsWith('.js')) continue;
  const bytes = readFileSync(join(dir, name));
  raw += bytes.length;
  gzipped += gzipSync(bytes, { level: 9 }).length;
}
const kb = (n) => (n / 1024).toFixed(1);
console.log(`console JavaScript: ${kb(gzipped)} KB gzipped (${kb(raw)} KB raw); budget ${kb(BUDGET)} KB`);
if (gzipped > BUDGET) {
  console.error('The console JavaScript is over its budget of 250 KB gzipped.');
  process.exit(1);
}
