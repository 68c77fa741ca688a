/**
 * Status pages of the victim portal: solve the server's proof-of-work before a form is sent.
 *
 * Every form with a hidden "pow_challenge" field (data-bits: the leading zero bits asked
 * for) gets a nonce such that SHA-256("<challenge>:<nonce>") starts with that many zero
 * bits, found in small slices so the page stays responsive, with the same SHA-256 code
 * the hasher uses. The report page does the same in portal.js; nothing is asked of any
 * third party. A form sent before its check is done waits for it, then goes.
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

function solve(challenge, bits) {
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

// Forms that send photos (class "hash-form") are portal.js's: it hashes the files first and
// solves the same check itself before sending.
for (const form of document.querySelectorAll('form:not(.hash-form)')) {
  const field = form.querySelector('input[name="pow_challenge"]');
  const nonceField = form.querySelector('input[name="pow_nonce"]');
  if (!field || !nonceField) continue;
  const solved = solve(field.value, Number(field.dataset.bits || 0));
  solved.then((nonce) => {
    nonceField.value = nonce;
    form.dataset.powState = 'done';
  });
  form.addEventListener('submit', (event) => {
    if (form.dataset.powState === 'done') return;
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    solved.then(() => {
      if (button) button.disabled = false;
      HTMLFormElement.prototype.submit.call(form);
    });
  });
}
