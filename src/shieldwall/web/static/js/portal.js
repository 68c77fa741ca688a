/**
 * Victim portal: hash the chosen files on this device and put only the hashes in the form.
 *
 * Uses hasher.js (PDQ for photos, MD5 and SHA-256 for every file, and PDQ of the regions
 * the page lists in #bank-windows, so cropped copies match too). The files are never
 * read by anything else and never sent: the form carries a JSON list of hashes in the
 * hidden "hashes" field. Progress is announced through an aria-live region; the submit
 * button waits while hashing runs. Client-side hints point at missing answers before
 * sending, but the server decides (and says precisely what is missing).
 *
 * Before sending, the page solves the server's proof-of-work challenge (#pow_challenge):
 * a nonce such that SHA-256("<challenge>:<nonce>") starts with data-bits zero bits. It
 * starts when the page opens, in small slices so the page stays responsive, with the same
 * SHA-256 code the hasher uses; nothing is asked of any third party.
 */
import { hashFile, ImageDecodeError } from './hasher.js';
import { Sha256 } from './sha256.js';

const form = document.getElementById('report-form');
const input = document.getElementById('files');
const hidden = document.getElementById('hashes');
const progress = document.getElementById('hash-progress');
const list = document.getElementById('hash-list');
const submit = document.getElementById('submit');

// The server renders robust.BANK_WINDOWS here; without it the page still sends plain hashes.
let windows = [];
try {
  windows = JSON.parse(document.getElementById('bank-windows')?.textContent || '[]');
} catch (e) {
  windows = [];
}

let hashes = [];
try {
  hashes = hidden.value ? JSON.parse(hidden.value) : [];
} catch (e) {
  hashes = [];
}
if (hashes.length) {
  progress.textContent = `${hashes.length} file(s) already turned into fingerprints.`;
}

function item(text, ok) {
  const li = document.createElement('li');
  li.textContent = text;
  li.className = ok ? 'ok' : 'error';
  list.appendChild(li);
}

input.addEventListener('change', async () => {
  const files = Array.from(input.files);
  if (!files.length) return;
  submit.disabled = true;
  form.dataset.hashState = 'running';
  let done = 0;
  for (const file of files) {
    progress.textContent = `Making fingerprints on your device: ${done} of ${files.length} done…`;
    try {
      const h = await hashFile(file, { windows });
      hashes.push({
        pdq: h.pdq,
        quality: h.quality,
        md5: h.md5,
        sha256: h.sha256,
        variants: h.variants,
      });
      const parts = h.variants.length
        ? `, plus ${h.variants.length} ${h.variants.length === 1 ? 'hash' : 'hashes'} of parts of the picture (they help find cropped copies)`
        : '';
      item(`${file.name}: fingerprint ready${h.pdq ? parts : ' (exact match only)'}`, true);
    } catch (e) {
      const why = e instanceof ImageDecodeError
        ? 'this browser cannot open this photo format; save it as JPEG or PNG and try again'
        : 'it could not be read';
      item(`${file.name}: no fingerprint, ${why}.`, false);
    }
    done += 1;
  }
  hidden.value = JSON.stringify(hashes);
  // The files themselves are no longer needed: clear the picker so nothing can send them.
  input.value = '';
  progress.textContent = `Done: ${hashes.length} fingerprint(s) ready. Your files were not uploaded.`;
  submit.disabled = false;
  form.dataset.hashState = 'done';
});

const powField = document.getElementById('pow_challenge');
const powNonce = document.getElementById('pow_nonce');
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

/** Solve the challenge in slices of a few thousand tries; resolves with the nonce. */
const powSolved = new Promise((resolve) => {
  const challenge = powField ? powField.value : '';
  const bits = powField ? Number(powField.dataset.bits || 0) : 0;
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
powSolved.then((nonce) => {
  powNonce.value = nonce;
  form.dataset.powState = 'done';
});

form.addEventListener('submit', (event) => {
  const hints = [];
  const need = (id, text) => {
    const el = document.getElementById(id);
    if (el && !el.checked) hints.push(text);
  };
  need('declare_intimate', 'the box saying the image is intimate');
  need('declare_nonconsensual', 'the box saying it was shared without consent');
  need('good_faith', 'the good-faith statement');
  if (!document.getElementById('signature').value.trim()) hints.push('your typed name');
  if (form.dataset.hashState === 'running') {
    event.preventDefault();
    progress.textContent = 'Please wait: fingerprints are still being made.';
    return;
  }
  if (hints.length && !form.dataset.hinted) {
    // One gentle reminder; a second press sends anyway and the server lists what is missing.
    event.preventDefault();
    form.dataset.hinted = '1';
    progress.textContent = `Before sending, please check: ${hints.join('; ')}. Press send again to send as it is.`;
    return;
  }
  if (form.dataset.powState !== 'done') {
    // The short check is still running: send as soon as it is done.
    event.preventDefault();
    submit.disabled = true;
    progress.textContent = 'Getting ready to send (a short check on your device)…';
    // The button is called "submit", which hides form.submit: call the method itself.
    powSolved.then(() => { submit.disabled = false; HTMLFormElement.prototype.submit.call(form); });
  }
});
