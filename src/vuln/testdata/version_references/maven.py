# Reference ordering for Maven: ComparableVersion from Debian's Maven (maven-artifact), through
# the main() it ships, which compares each argument with the one before it and prints
# "   A OP B" (OP is <, == or >) between the lines describing them.
# Reads "A<TAB>B" lines; prints "<", "=" or ">" for each. Maven accepts every string.
import subprocess
import sys

JAR = "/usr/share/java/maven-artifact-3.x.jar"
MAIN = "org.apache.maven.artifact.versioning.ComparableVersion"
CHUNK = 2000  # pairs per Java process, well inside the command line's limit

pairs = [line.rstrip("\n").split("\t") for line in sys.stdin]
for start in range(0, len(pairs), CHUNK):
    chunk = pairs[start:start + CHUNK]
    args = [v for pair in chunk for v in pair]
    out = subprocess.run(["java", "-cp", JAR, MAIN] + args, check=True, capture_output=True,
                         text=True).stdout
    comparisons = [l for l in out.split("\n") if l.startswith("   ")]
    # Comparison 2k is pair k's A against its B; 2k+1 compares B with the next pair's A.
    for k, (a, b) in enumerate(chunk):
        line = comparisons[2 * k]
        op = line[3 + len(a) + 1:len(line) - len(b) - 1]
        if op not in ("<", "==", ">"):
            sys.exit("maven.py: cannot read the comparison line %r" % line)
        print("=" if op == "==" else op)
