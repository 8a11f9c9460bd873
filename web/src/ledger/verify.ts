// Checks the ledger's proofs in the browser, so that an auditor does not have to take the
// server's word for anything: RFC 9162 Merkle hashing (SHA-256) with inclusion and consistency
// proofs, and C2SP signed notes (Ed25519) carrying tlog checkpoints, against a verifier key the
// user pinned. The formats are those of docs/ledger.md and docs/ledger-formats.md.
//
// Every check either returns what it established or throws a VerifyError saying, in words,
// what did not hold. Nothing here talks to the network.
import * as ed from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;

export class VerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyError';
  }
}

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    out += B64[b0 >> 2]! + B64[((b0 & 3) << 4) | (b1 >> 4)]!;
    out += i + 1 < bytes.length ? B64[((b1 & 15) << 2) | (b2 >> 6)]! : '=';
    out += i + 2 < bytes.length ? B64[b2 & 63]! : '=';
  }
  return out;
}

// Standard base64 with padding, canonical only: the decoding re-encodes to the same text.
export function base64Decode(text: string, what = 'base64 text'): Uint8Array {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new VerifyError(`${what} is not valid base64`);
  }
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let bits = 0;
  let value = 0;
  let n = 0;
  for (const c of text) {
    if (c === '=') break;
    value = (value << 6) | B64.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (value >> bits) & 0xff;
    }
  }
  if (base64Encode(out) !== text) throw new VerifyError(`${what} is not canonical base64`);
  return out;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// --- RFC 9162 Merkle tree hashing -------------------------------------------------------------

export function leafHash(leaf: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(0), leaf));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(1), left, right));
}

export const EMPTY_ROOT = sha256(new Uint8Array(0));

function checkHashes(proof: Uint8Array[]): void {
  if (proof.length > 64) throw new VerifyError('the proof has more than 64 hashes');
  for (const h of proof) {
    if (h.length !== 32) throw new VerifyError('a proof hash is not 32 bytes');
  }
}

// RFC 9162 §2.1.3.2: the proof leads from `leaf` at `index` to `root` in a tree of `size`.
export function verifyInclusion(
  index: bigint,
  size: bigint,
  leaf: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
): void {
  checkHashes(proof);
  if (index < 0n || index >= size) {
    throw new VerifyError(`entry ${index} is not in a tree of ${size} entries`);
  }
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new VerifyError('the inclusion proof is longer than the tree is deep');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new VerifyError('the inclusion proof is shorter than the tree is deep');
  if (!equalBytes(r, root)) {
    throw new VerifyError("the entry's hash does not lead to the checkpoint's root hash");
  }
}

// RFC 9162 §2.1.4.2: the tree of `size1` with `root1` is a prefix of the one of `size2`.
export function verifyConsistency(
  size1: bigint,
  size2: bigint,
  proof: Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  checkHashes(proof);
  if (size1 < 0n || size2 < size1) {
    throw new VerifyError(`a tree of ${size2} entries cannot extend one of ${size1}`);
  }
  if (size1 === size2) {
    if (proof.length !== 0) throw new VerifyError('a proof between equal sizes must be empty');
    if (!equalBytes(root1, root2)) {
      throw new VerifyError('two checkpoints of the same size have different root hashes');
    }
    return;
  }
  if (size1 === 0n) {
    // Every tree extends the empty one; there is nothing to prove.
    if (proof.length !== 0) throw new VerifyError('a proof from the empty tree must be empty');
    return;
  }
  if (proof.length === 0) throw new VerifyError('the consistency proof is empty');
  let path = proof;
  if ((size1 & (size1 - 1n)) === 0n) path = [root1, ...proof];
  let fn = size1 - 1n;
  let sn = size2 - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new VerifyError('the consistency proof is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new VerifyError('the consistency proof is too short');
  if (!equalBytes(fr, root1)) {
    throw new VerifyError('the proof does not reproduce the older checkpoint’s root hash');
  }
  if (!equalBytes(sr, root2)) {
    throw new VerifyError('the proof does not reproduce the newer checkpoint’s root hash');
  }
}

// --- Keys and signed notes (C2SP signed-note, Go's sumdb/note encodings) --------------------

export interface VerifierKey {
  name: string;
  keyHash: Uint8Array; // 4 bytes
  publicKey: Uint8Array; // 32 bytes, Ed25519
  text: string;
}

function keyHashOf(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(concat(utf8(name), Uint8Array.of(0x0a, 0x01), publicKey)).slice(0, 4);
}

function isValidKeyName(name: string): boolean {
  return name.length > 0 && !name.includes('+') && !/\s/u.test(name);
}

// Reads `<name>+<8 hex digits>+base64(0x01 || 32-byte key)`.
export function parseVerifierKey(text: string): VerifierKey {
  const trimmed = text.trim();
  // The name has no '+' and the hash is hex; the base64 key may hold '+' of its own.
  const first = trimmed.indexOf('+');
  const second = first < 0 ? -1 : trimmed.indexOf('+', first + 1);
  if (second < 0) throw new VerifyError('a verifier key is name+keyhash+key');
  const name = trimmed.slice(0, first);
  const hashHex = trimmed.slice(first + 1, second);
  const keyB64 = trimmed.slice(second + 1);
  if (!isValidKeyName(name)) throw new VerifyError('the key name is empty or has white space');
  if (!/^[0-9a-f]{8}$/.test(hashHex)) {
    throw new VerifyError('the key hash must be exactly 8 lowercase hex digits');
  }
  const raw = base64Decode(keyB64, 'the key');
  if (raw.length !== 33 || raw[0] !== 0x01) {
    throw new VerifyError('the key is not an Ed25519 key (type 0x01 and 32 bytes)');
  }
  const publicKey = raw.slice(1);
  const keyHash = keyHashOf(name, publicKey);
  if (hex(keyHash) !== hashHex) {
    throw new VerifyError('the key hash does not match the key name and key');
  }
  return { name, keyHash, publicKey, text: trimmed };
}

export interface Checkpoint {
  origin: string;
  size: bigint;
  root: Uint8Array;
  extensions: string[];
  text: string; // the signed text
}

const EM_DASH_SPACE = '\u2014 ';

// Splits a signed note into its text (with its final newline) and its signature lines, and
// verifies the lines made by `key`. Throws unless at least one does and none fails.
export function verifyNote(note: string, key: VerifierKey): string {
  if (!note.endsWith('\n')) throw new VerifyError('the note does not end in a newline');
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(note)) {
    throw new VerifyError('the note has control characters');
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new VerifyError('the note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > 100) throw new VerifyError('the note has more than 100 signatures');
  const message = utf8(text);
  let verified = 0;
  for (const line of lines) {
    if (!line.startsWith(EM_DASH_SPACE)) throw new VerifyError('a signature line is malformed');
    const rest = line.slice(EM_DASH_SPACE.length);
    const space = rest.lastIndexOf(' ');
    if (space <= 0) throw new VerifyError('a signature line is malformed');
    const name = rest.slice(0, space);
    const sig = base64Decode(rest.slice(space + 1), 'a signature');
    if (sig.length < 5) throw new VerifyError('a signature is too short');
    if (name !== key.name || !equalBytes(sig.slice(0, 4), key.keyHash)) continue;
    const signature = sig.slice(4);
    let ok = false;
    try {
      ok = signature.length === 64 && ed.verify(signature, message, key.publicKey, { zip215: false });
    } catch {
      ok = false;
    }
    if (!ok) throw new VerifyError('the signature by the pinned key does not verify');
    verified++;
  }
  if (verified === 0) throw new VerifyError('the note is not signed by the pinned key');
  return text;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

// Verifies a signed checkpoint against the pinned key and reads it. The origin must be the
// key's name: the log signs with its own key.
export function verifyCheckpoint(note: string, key: VerifierKey): Checkpoint {
  const text = verifyNote(note, key);
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new VerifyError('a checkpoint has at least three lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string];
  if (origin !== key.name) {
    throw new VerifyError(`the checkpoint's origin "${origin}" is not the pinned key's name`);
  }
  if (!DECIMAL.test(sizeText) || BigInt(sizeText) >= 1n << 64n) {
    throw new VerifyError('the checkpoint size is not a decimal number');
  }
  const root = base64Decode(rootText, 'the root hash');
  if (root.length !== 32) throw new VerifyError('the root hash is not 32 bytes');
  if (extensions.some((l) => l === '')) throw new VerifyError('a checkpoint line is empty');
  return { origin, size: BigInt(sizeText), root, extensions, text };
}
