// Validates CSAF 2.0 documents with the BSI's csaf-validator-lib: the JSON schema (strict) and
// every mandatory test. Prints one line per error and exits 1 when a document is not valid, 2
// when it cannot be read.
//
//   node web/scripts/validate-csaf.mjs document.json [...]
import { readFileSync } from 'node:fs';

import * as basic from '@secvisogram/csaf-validator-lib/basic.js';
import validate from '@secvisogram/csaf-validator-lib/validate.js';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate-csaf.mjs DOCUMENT.json...');
  process.exit(2);
}
let failed = false;
for (const file of files) {
  let document;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`${file}: cannot be read as JSON: ${e.message}`);
    process.exit(2);
  }
  const result = await validate(Object.values(basic), document);
  for (const test of result.tests) {
    for (const error of test.errors) {
      console.log(`${file}: ${test.name}: ${error.instancePath} ${error.message}`);
    }
  }
  console.log(`${file}: ${result.isValid ? 'valid' : 'not valid'} (${result.tests.length} tests)`);
  failed ||= !result.isValid;
}
process.exit(failed ? 1 : 0);
