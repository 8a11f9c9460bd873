// The browser's proof checks against the examples of docs/ledger-formats.md and against a
// reference Merkle tree written straight from RFC 9162's recursive definitions.
import { describe, expect, it } from 'vitest';

import {
  base64Decode,
  base64Encode,
  EMPTY_ROOT,
  leafHash,
  nodeHash,
  parseVerifierKey,
  utf8,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
  VerifyError,
} from './verify';

const KEY = 'bulwark.example/ledger+96db2538+ARITrQyJZA3REaXrPqUvW6eiwTSpVY2g4edX1lJQ1oqg';
const CHECKPOINT =
  'bulwark.example/ledger\n6\ny+7JnbPk1n26qmDBa11M9zesLdwVB7eK83V2PrrRwB4=\n\n' +
  '\u2014 bulwark.example/ledger ltslONlCMjzZ4uY/yQ16Xs6dWiGbXKbLtEogf5VQNYD2LsGobS3OvpnxzlDoVi2gMtBuI4uZlbWRuRqMLaR9HE/sGgM=\n';
const PROOF_OF_2 = [
  'YcoROfaBWEHVuvLQ0tm9nf7pfImN1ve6DAqpQe5sAes=',
  'WkdmL9ijF9lgSaP59HxV3GfKZgUbqjaD27GbL+CaB7A=',
  '3QN52DrH8WTn7qMM3O+1dQglTEj3Zq/M09l2Nl4yjMw=',
].map((h) => base64Decode(h));

// RFC 9162 §2.1.1: MTH(D[n]), with k the largest power of two smaller than n.
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leafHash(leaves[0]!);
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
// §2.1.3.1: PATH(m, D[n]).
function path(m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  if (m < k) return [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))];
  return [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}
// §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
function subproof(m: number, leaves: Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [mth(leaves)];
  const k = split(n);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), b), mth(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

const entries = Array.from({ length: 13 }, (_, i) => utf8(`entry ${i}`));

describe('base64', () => {
  it('round-trips and rejects non-canonical text', () => {
    for (const n of [0, 1, 2, 3, 4, 31, 32, 33]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
      expect(base64Decode(base64Encode(bytes))).toEqual(bytes);
    }
    expect(() => base64Decode('QQ')).toThrow(VerifyError);
    expect(() => base64Decode('QR==')).toThrow(/canonical/);
    expect(() => base64Decode('Q Q=')).toThrow(VerifyError);
  });
});

describe('verifier keys', () => {
  it('reads the documented key', () => {
    const key = parseVerifierKey(KEY);
    expect(key.name).toBe('bulwark.example/ledger');
    expect(key.publicKey.length).toBe(32);
  });
  it('rejects a key whose hash does not match', () => {
    expect(() => parseVerifierKey(KEY.replace('96db2538', '96db2539'))).toThrow(/key hash/);
    expect(() => parseVerifierKey(KEY.replace('bulwark.example', 'other.example'))).toThrow(
      /key hash/,
    );
    expect(() => parseVerifierKey('no plus signs')).toThrow(VerifyError);
  });
  it('reads a key whose base64 holds plus signs', () => {
    // Made by `bulwark ledger keygen`; its public key's base64 has a '+'.
    const key = parseVerifierKey('bulwark.local/ledger+622869c5+AcTkr2WVdXi+pcqzYa/kZ6fOQaPnd8AvqywfzgRu9yZX');
    expect(key.name).toBe('bulwark.local/ledger');
    expect(key.publicKey.length).toBe(32);
  });
});

describe('checkpoints', () => {
  it('verifies the documented checkpoint', () => {
    const c = verifyCheckpoint(CHECKPOINT, parseVerifierKey(KEY));
    expect(c.origin).toBe('bulwark.example/ledger');
    expect(c.size).toBe(6n);
    expect(c.root).toEqual(mth(entries.slice(0, 6)));
  });
  it('rejects a changed size, root or signature', () => {
    const key = parseVerifierKey(KEY);
    expect(() => verifyCheckpoint(CHECKPOINT.replace('\n6\n', '\n7\n'), key)).toThrow(
      /does not verify/,
    );
    expect(() => verifyCheckpoint(CHECKPOINT.replace('y+7J', 'y+7K'), key)).toThrow(
      /does not verify/,
    );
    expect(() => verifyCheckpoint(CHECKPOINT.replace('ltslON', 'ltslOM'), key)).toThrow(
      VerifyError,
    );
  });
  it('rejects a checkpoint signed by nobody it trusts', () => {
    const other = CHECKPOINT.replace('\u2014 bulwark.example/ledger', '\u2014 someone.else');
    expect(() => verifyCheckpoint(other, parseVerifierKey(KEY))).toThrow(/not signed by/);
  });
});

describe('inclusion proofs', () => {
  it('verifies the documented proof of entry 2', () => {
    const c = verifyCheckpoint(CHECKPOINT, parseVerifierKey(KEY));
    verifyInclusion(2n, c.size, leafHash(utf8('entry 2')), PROOF_OF_2, c.root);
  });
  it('fails for a changed entry, index or proof', () => {
    const root = mth(entries.slice(0, 6));
    expect(() => verifyInclusion(2n, 6n, leafHash(utf8('entry 9')), PROOF_OF_2, root)).toThrow(
      /root hash/,
    );
    expect(() => verifyInclusion(3n, 6n, leafHash(utf8('entry 2')), PROOF_OF_2, root)).toThrow(
      VerifyError,
    );
    expect(() =>
      verifyInclusion(2n, 6n, leafHash(utf8('entry 2')), PROOF_OF_2.slice(0, 2), root),
    ).toThrow(VerifyError);
    expect(() => verifyInclusion(6n, 6n, leafHash(utf8('entry 6')), [], root)).toThrow(
      /not in a tree/,
    );
  });
  it('agrees with the reference tree for every index of every size up to 13', () => {
    for (let n = 1; n <= entries.length; n++) {
      const leaves = entries.slice(0, n);
      const root = mth(leaves);
      for (let m = 0; m < n; m++) {
        verifyInclusion(BigInt(m), BigInt(n), leafHash(leaves[m]!), path(m, leaves), root);
        if (n > 1) {
          const wrong = leafHash(leaves[(m + 1) % n]!);
          expect(() =>
            verifyInclusion(BigInt(m), BigInt(n), wrong, path(m, leaves), root),
          ).toThrow(VerifyError);
        }
      }
    }
  });
});

describe('consistency proofs', () => {
  it('agrees with the reference tree for every pair of sizes up to 13', () => {
    for (let n = 1; n <= entries.length; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = subproof(m, entries.slice(0, n), true);
        const root1 = mth(entries.slice(0, m));
        const root2 = mth(entries.slice(0, n));
        verifyConsistency(BigInt(m), BigInt(n), proof, root1, root2);
        const forged = mth(entries.slice(1, m + 1));
        expect(() => verifyConsistency(BigInt(m), BigInt(n), proof, forged, root2)).toThrow(
          VerifyError,
        );
        if (m < n) {
          const otherRoot = mth([...entries.slice(0, n - 1), utf8('changed')]);
          expect(() => verifyConsistency(BigInt(m), BigInt(n), proof, root1, otherRoot)).toThrow(
            VerifyError,
          );
        }
      }
    }
  });
  it('accepts any tree as extending the empty one, and nothing shrinking', () => {
    verifyConsistency(0n, 5n, [], EMPTY_ROOT, mth(entries.slice(0, 5)));
    expect(() => verifyConsistency(5n, 4n, [], EMPTY_ROOT, EMPTY_ROOT)).toThrow(VerifyError);
  });
});
