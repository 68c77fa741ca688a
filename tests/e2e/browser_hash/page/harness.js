/**
 * Test harness: exposes the static hashing modules to Playwright as window.sw.
 * Only the test page loads this file; the portal imports the modules directly.
 */
import { DEFAULTS, digestBlob, hashFile, windowVariants } from '/static/js/hasher.js';
import { md5Hex } from '/static/js/md5.js';
import { DCT_MATRIX, DIHEDRAL_NAMES, pdqDihedralFromRGBA, pdqFromRGBA } from '/static/js/pdq.js';
import { sha256Hex } from '/static/js/sha256.js';
import { WORK_SIDE, workImage } from '/static/js/workimage.js';

function fromBase64(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBase64(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// The page's CSP blocks other origins before any request is made, so Playwright
// never sees those; record the blocked attempts so the tests can still fail on them.
const cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => cspViolations.push(e.blockedURI));

window.sw = {
  defaults: DEFAULTS,
  cspViolations: () => cspViolations.slice(),
  dihedralNames: DIHEDRAL_NAMES,
  dctMatrix: () => Array.from(DCT_MATRIX),
  pdqFromUrl: async (url, width, height) => pdqFromRGBA(await fetchBytes(url), width, height),
  pdqFromBase64: (b64, width, height) => pdqFromRGBA(fromBase64(b64), width, height),
  pdqDihedralFromBase64: (b64, width, height) => pdqDihedralFromRGBA(fromBase64(b64), width, height),
  md5FromBase64: (b64) => md5Hex(fromBase64(b64)),
  sha256FromBase64: (b64) => sha256Hex(fromBase64(b64)),
  digestBase64: (b64, options) => digestBlob(new Blob([fromBase64(b64)]), options),
  workSide: WORK_SIDE,
  /** The grey work image of served RGBA pixels, its levels as base64. */
  workImageFromUrl: async (url, width, height) => {
    const work = workImage(await fetchBytes(url), width, height);
    return { width: work.width, height: work.height, grey: toBase64(work.grey) };
  },
  windowVariantsFromUrl: async (url, width, height, options) =>
    windowVariants(await fetchBytes(url), width, height, options),
  hashChosenFile: (options) => hashFile(document.getElementById('file').files[0], options),
  /** Milliseconds per call of pdqFromRGBA on served pixels (best of `repeats`). */
  timePdqFromUrl: async (url, width, height, repeats) => {
    const rgba = await fetchBytes(url);
    let best = Infinity;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      pdqFromRGBA(rgba, width, height);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  },
  /** Milliseconds for hashFile on the chosen file, decode and digests included (best of `repeats`). */
  timeHashChosenFile: async (repeats) => {
    const file = document.getElementById('file').files[0];
    let best = Infinity;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await hashFile(file);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  },
};
window.swReady = true;
