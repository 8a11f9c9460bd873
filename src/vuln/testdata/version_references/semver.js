// Reference ordering for npm and the SemVer 2.0 ecosystems: node-semver's SemVer class, strict
// parsing (Debian's node-semver, in /usr/share/nodejs).
// Reads "A<TAB>B" lines; prints "<", "=" or ">" for each, or "?" when a version is not SemVer.
'use strict';
const SemVer = require('/usr/share/nodejs/semver/classes/semver');

function parse(v) {
  try {
    return new SemVer(v);
  } catch (e) {
    return null;
  }
}

const out = [];
for (const line of require('fs').readFileSync(0, 'utf8').split('\n')) {
  if (line === '') continue;
  const [a, b] = line.split('\t');
  const x = parse(a), y = parse(b);
  out.push(x === null || y === null ? '?' : ['<', '=', '>'][x.compare(y) + 1]);
}
process.stdout.write(out.map((o) => o + '\n').join(''));
