/**
 * The victim portal's proof-of-work, solved in the page (web/portal_guard.py sets it).
 *
 * One solver for every page that sends a portal form: the report and "add" forms
 * (portal.js) and the status pages' other forms (status_pow.js). It finds a nonce such that
 * SHA-256("<challenge>:<nonce>") starts with ``bits`` zero bits, in slices of a few
 * thousand tries so the page stays responsive, with the same SHA-256 code the hasher uses;
 * nothing is asked of any third party.
 */
import { Sha256 } from './sha256.js';

const encoder = new TextEncoder();

function zeroBits(bytes) {
  let bits = 0;
  for (const b of bytes) {
    if (b === 0) { bits += 8; continue; }
    return bits + Math.clz32(b) - 24;
  }
  return bits;
}

function digestBytes(text) {
  const hex = new Sha256().update(encoder.encode(text)).hex();
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i += 1) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Resolves with the nonce as text ('' when nothing is asked: no challenge, or no bits). */
export function solve(challenge, bits) {
  return new Promise((resolve) => {
    if (!challenge || !bits) { resolve(''); return; }
    let nonce = 0;
    const slice = () => {
      const end = nonce + 4000;
      for (; nonce < end; nonce += 1) {
        if (zeroBits(digestBytes(`${challenge}:${nonce}`)) >= bits) {
          resolve(String(nonce));
          return;
        }
      }
      setTimeout(slice, 0);
    };
    setTimeout(slice, 0);
  });
}
