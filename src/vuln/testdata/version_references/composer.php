<?php
// Reference ordering for Packagist: Composer's own. Composer normalizes every version with
// VersionParser::normalize before comparing it, so the pair is normalized first and then
// compared with Composer\Semver\Comparator.
// Reads "A<TAB>B" lines; prints "<", "=" or ">" for each, or "?" when Composer refuses a version
// or the two are not comparable (two different dev- branches are neither equal nor ordered).
require '/usr/share/php/Composer/Semver/autoload.php';

use Composer\Semver\Comparator;
use Composer\Semver\VersionParser;

$parser = new VersionParser();
while (($line = fgets(STDIN)) !== false) {
    [$a, $b] = explode("\t", rtrim($line, "\n"));
    try {
        $x = $parser->normalize($a);
        $y = $parser->normalize($b);
    } catch (UnexpectedValueException $e) {
        echo "?\n";
        continue;
    }
    if ($x === $y || Comparator::equalTo($x, $y)) {
        echo "=\n";
    } elseif (Comparator::lessThan($x, $y)) {
        echo "<\n";
    } elseif (Comparator::greaterThan($x, $y)) {
        echo ">\n";
    } else {
        echo "?\n";
    }
}
