/**
 * Victim portal: hash the chosen files on this device and put only the hashes in the form.
 *
 * Runs on the request page and on the receipt and status pages' "add" form (whichever
 * form has the class "hash-form"). Uses hasher.js (PDQ for photos, MD5 and SHA-256 for
 * every file, and PDQ of the regions the page lists in #bank-windows, so cropped copies
 * match too). The files are never read by anything else and never sent: the form carries
 * a JSON list of hashes in the hidden "hashes" field.
 *
 * Each chosen file is listed with its state (waiting, making its fingerprint, ready, or
 * not added and why) and a button to remove it; a file that is not a photo or video is
 * refused with a plain reason. Progress is announced through an aria-live region; the
 * submit button waits while hashing runs.
 *
 * An error summary (#error-summary, or #refused) is focused when the page opens, and each
 * of its links moves focus to the field it names.
 *
 * Before sending, the page solves the server's proof-of-work challenge (#pow_challenge):
 * a nonce such that SHA-256("<challenge>:<nonce>") starts with data-bits zero bits. It
 * starts when the page opens (pow.js: the one solver the status pages use too).
 */
import { hashFile, ImageDecodeError } from './hasher.js';
import { solve } from './pow.js';

// -- the error summary: focused on arrival, its links focus their fields ------------------
const summary = document.querySelector('[data-focus]');
if (summary) summary.focus();
for (const link of document.querySelectorAll('#error-summary a[data-field]')) {
  link.addEventListener('click', (event) => {
    const field = document.getElementById(link.dataset.field);
    if (!field) return;
    event.preventDefault();
    const label = document.querySelector(`label[for="${field.id}"]`) || field;
    label.scrollIntoView({ block: 'center' });
    field.focus({ preventScroll: true });
  });
}

const form = document.querySelector('form.hash-form');
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

const STATES = {
  waiting: 'waiting',
  working: 'making its fingerprint on your device…',
  ready: 'fingerprint ready',
  refused: 'not added',
};
/** One row per chosen file: {id, name, state, hash, note, li}. */
const entries = [];
let nextId = 1;

function writeHidden() {
  const ready = entries.filter((e) => e.state === 'ready').map((e) => e.hash);
  hidden.value = ready.length ? JSON.stringify(ready) : '';
}

function draw(entry) {
  if (!entry.li) {
    entry.li = document.createElement('li');
    entry.li.className = 'file';
    const name = document.createElement('span');
    name.className = 'name';
    const state = document.createElement('span');
    state.className = 'state';
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'secondary remove';
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', `Remove ${entry.name}`);
    remove.addEventListener('click', () => removeEntry(entry));
    entry.li.append(name, state, remove);
    list.appendChild(entry.li);
  }
  entry.li.dataset.state = entry.state;
  entry.li.querySelector('.name').textContent = `${entry.name}: `;
  entry.li.querySelector('.state').textContent = entry.note
    ? `${STATES[entry.state]}, ${entry.note}`
    : STATES[entry.state];
}

function removeEntry(entry) {
  const at = entries.indexOf(entry);
  if (at < 0) return;
  entries.splice(at, 1);
  entry.removed = true;
  entry.li.remove();
  writeHidden();
  progress.textContent = `${entry.name} removed. ${summaryLine()}`;
  (list.querySelector('button.remove') || input).focus();
}

function summaryLine() {
  const ready = entries.filter((e) => e.state === 'ready').length;
  return `${ready} fingerprint${ready === 1 ? '' : 's'} ready. Your files were not uploaded.`;
}

function isMedia(file) {
  return /^(image|video)\//.test(file.type || '');
}

let queue = Promise.resolve();

async function hashOne(entry, file) {
  if (entry.removed) return;
  entry.state = 'working';
  draw(entry);
  try {
    const h = await hashFile(file, { windows });
    if (!isMedia(file) && !h.pdq) throw new TypeError('not media');
    entry.hash = {
      pdq: h.pdq, quality: h.quality, md5: h.md5, sha256: h.sha256, variants: h.variants,
    };
    entry.state = 'ready';
    if (!h.pdq) {
      entry.note = 'exact match only';
    } else if (h.variants.length) {
      const n = h.variants.length;
      entry.note = `plus ${n} ${n === 1 ? 'hash' : 'hashes'} of parts of the picture (they help find cropped copies)`;
    }
  } catch (e) {
    entry.state = 'refused';
    entry.note = e instanceof ImageDecodeError
      ? 'this browser cannot open this photo format; save it as JPEG or PNG and try again'
      : 'it is not a photo or video this page can read. Choose a photo (such as JPEG or PNG) or a video';
  }
  if (!entry.removed) draw(entry);
}

if (form && input) {
  if (hidden.value) {
    // Shown again by the server (a missing answer): those fingerprints are still here.
    try {
      for (const hash of JSON.parse(hidden.value)) {
        const entry = { id: nextId++, name: 'A file you chose before', state: 'ready', hash };
        entries.push(entry);
        draw(entry);
      }
    } catch (e) {
      hidden.value = '';
    }
    progress.textContent = summaryLine();
  }

  input.addEventListener('change', () => {
    const files = Array.from(input.files);
    if (!files.length) return;
    // The files themselves are not kept: clear the picker so nothing can send them.
    input.value = '';
    const refused = [];
    const fresh = [];
    for (const file of files) {
      const entry = { id: nextId++, name: file.name, state: 'waiting' };
      entries.push(entry);
      if (!isMedia(file) && file.type && file.type !== 'application/octet-stream') {
        entry.state = 'refused';
        entry.note = 'it is not a photo or video. Choose a photo (such as JPEG or PNG) or a video';
        refused.push(file.name);
      } else {
        fresh.push([entry, file]);
      }
      draw(entry);
    }
    if (refused.length) {
      progress.textContent = `Not added: ${refused.join(', ')} ${refused.length === 1 ? 'is not a photo or video' : 'are not photos or videos'}.`;
    }
    if (!fresh.length) return;
    submit.disabled = true;
    form.dataset.hashState = 'running';
    for (const [entry, file] of fresh) {
      queue = queue.then(async () => {
        const left = entries.filter((e) => e.state === 'waiting').length;
        progress.textContent = `Making fingerprints on your device: ${left} to go…`;
        await hashOne(entry, file);
      });
    }
    queue = queue.then(() => {
      writeHidden();
      const bad = entries.filter((e) => e.state === 'refused').map((e) => e.name);
      progress.textContent = `Done: ${summaryLine()}${bad.length ? ` Not added: ${bad.join(', ')}.` : ''}`;
      submit.disabled = false;
      form.dataset.hashState = 'done';
    });
  });
}

const powField = form ? form.querySelector('#pow_challenge') : null;
const powNonce = form ? form.querySelector('#pow_nonce') : null;
/** Solved from the moment the page opens (pow.js); resolves with the nonce. */
const powSolved = solve(
  powField ? powField.value : '',
  powField ? Number(powField.dataset.bits || 0) : 0,
);
powSolved.then((nonce) => {
  if (powNonce) powNonce.value = nonce;
  if (form) form.dataset.powState = 'done';
});

if (form) {
  form.addEventListener('submit', (event) => {
    const hints = [];
    const need = (id, text) => {
      const el = document.getElementById(id);
      if (el && !el.checked) hints.push(text);
    };
    need('declare_intimate', 'the box saying the image is intimate');
    need('declare_nonconsensual', 'the box saying it was shared without consent');
    need('good_faith', 'the good-faith statement');
    const signature = document.getElementById('signature');
    if (signature && !signature.value.trim()) hints.push('your typed name');
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
      return;
    }
    // Sent: a second press would only send the same page again (the server would show the
    // same receipt), so the button rests while the answer comes.
    submit.disabled = true;
  });
}

// Back to this page from the browser's history: the button may send again.
window.addEventListener('pageshow', () => { if (submit && form?.dataset.hashState !== 'running') submit.disabled = false; });
