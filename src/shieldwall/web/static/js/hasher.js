/**
 * Hash a file the victim picks, on their own device: PDQ (images), MD5 and SHA-256.
 *
 * The victim portal must never upload the intimate image itself; it sends only
 * the hashes this module returns (as StopNCII does). Images are decoded by the
 * browser (createImageBitmap, honouring EXIF orientation like the server's
 * `ImageOps.exif_transpose`) at full resolution by default, then hashed with
 * pdq.js. MD5 and SHA-256 cover the exact file bytes, for images and videos
 * alike, read in chunks so that a large video is never held in memory whole
 * unless WebCrypto needs it.
 *
 * The browser's decoders are not Pillow's: JPEG pixels can differ by a level or
 * two, so a PDQ from this module is close to (not always equal to) the server's
 * hash of the same file. Given identical pixels, pdq.js is bit-identical.
 *
 * Besides the whole photo, hashFile can hash regions of it ("bank-side variants",
 * `options.windows`, the list the portal page carries from Python's
 * `robust.BANK_WINDOWS`): once approved they let cropped or captioned copies match.
 * Regions are sliced, never resampled, from the same grey copy Python hashes them from
 * (Pillow's "L", box-resized to at most 512 px long: workimage.js), with box edges rounded
 * as Python's round() does, so a region hash equals Python's `bank_variants` given the
 * same decoded pixels. The whole-photo hash stays at full resolution.
 *
 * Plain ES module, no dependencies, no build step, no network.
 */

import { Md5 } from './md5.js';
import { pdqFromRGBA } from './pdq.js';
import { Sha256 } from './sha256.js';
import { pyRound, workImage } from './workimage.js';

export const DEFAULTS = Object.freeze({
  /** Bytes read per step while hashing. */
  chunkSize: 4 * 1024 * 1024,
  /**
   * Files up to this size go to crypto.subtle.digest in one piece (fast, native);
   * larger ones use the streaming SHA-256 so memory stays at one chunk.
   */
  subtleMaxBytes: 256 * 1024 * 1024,
  /**
   * Longest side to decode at; null keeps full resolution (the default, which is
   * what the server hashes). Set it to trade fidelity for speed on slow phones.
   */
  maxSide: null,
  /**
   * Images with more pixels than this are scaled down to fit: beyond it the
   * canvas and float buffers (about 16 bytes a pixel) risk exhausting a phone.
   */
  maxPixels: 64 * 1024 * 1024,
  /**
   * Regions to hash besides the whole image: [{name, left, top, right, bottom}] as
   * fractions of width and height (Python's robust.BANK_WINDOWS). Empty: none.
   */
  windows: Object.freeze([]),
  /** Region hashes below this quality are dropped (flat regions match too easily). */
  qualityMin: 50,
  /** Most region hashes one file may send (robust.MAX_BANK_VARIANTS). */
  maxVariants: 16,
});

/** Raised when an image/* file cannot be decoded by this browser (e.g. HEIC in Chrome). */
export class ImageDecodeError extends Error {
  constructor(message, cause) {
    super(message);
    this.name = 'ImageDecodeError';
    this.cause = cause;
  }
}

/** Whether the browser says the file is an image (its type comes from the file name). */
export function looksLikeImage(file) {
  return typeof file.type === 'string' && file.type.startsWith('image/');
}

/**
 * MD5 and SHA-256 of a Blob/File's bytes, as lowercase hex.
 * @param {Blob} blob
 * @param {{chunkSize?: number, subtleMaxBytes?: number}} [options]
 * @returns {Promise<{md5: string, sha256: string}>}
 */
export async function digestBlob(blob, options = {}) {
  const { chunkSize, subtleMaxBytes } = { ...DEFAULTS, ...options };
  const useSubtle = hasSubtle() && blob.size <= subtleMaxBytes;
  const md5 = new Md5();
  const sha = useSubtle ? null : new Sha256();
  if (useSubtle) {
    const whole = new Uint8Array(await blob.arrayBuffer());
    for (let pos = 0; pos < whole.length; pos += chunkSize) {
      md5.update(whole.subarray(pos, pos + chunkSize));
    }
    const digest = await crypto.subtle.digest('SHA-256', whole);
    return { md5: md5.hex(), sha256: toHex(new Uint8Array(digest)) };
  }
  for (let pos = 0; pos < blob.size; pos += chunkSize) {
    const chunk = new Uint8Array(await blob.slice(pos, pos + chunkSize).arrayBuffer());
    md5.update(chunk);
    sha.update(chunk);
  }
  return { md5: md5.hex(), sha256: sha.hex() };
}

/**
 * Decode an image file to RGBA pixels, upright per its EXIF orientation.
 * Colour profiles are not applied, matching Pillow, which ignores them.
 * @param {Blob} blob
 * @param {{maxSide?: number|null, maxPixels?: number}} [options]
 * @returns {Promise<{data: Uint8ClampedArray, width: number, height: number}>}
 */
export async function decodeImage(blob, options = {}) {
  const { maxSide, maxPixels } = { ...DEFAULTS, ...options };
  const bitmapOptions = {
    imageOrientation: 'from-image',
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
  };
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob, bitmapOptions);
    const target = targetSize(bitmap.width, bitmap.height, maxSide, maxPixels);
    if (target !== null) {
      // Decoding twice costs time only for the rare oversized image; knowing the
      // size first needs a decode, since no browser API reads it from the header.
      bitmap.close();
      bitmap = await createImageBitmap(blob, {
        ...bitmapOptions,
        resizeWidth: target.width,
        resizeHeight: target.height,
        resizeQuality: 'high',
      });
    }
  } catch (err) {
    throw new ImageDecodeError(`this browser cannot decode ${blob.type || 'this file'}`, err);
  }
  try {
    const { width, height } = bitmap;
    const canvas =
      typeof OffscreenCanvas !== 'undefined'
        ? new OffscreenCanvas(width, height)
        : Object.assign(document.createElement('canvas'), { width, height });
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, width, height);
    return { data, width, height };
  } finally {
    bitmap.close();
  }
}

/**
 * Everything the portal sends for one file. For non-images (videos, documents)
 * pdq and quality are null; the byte digests are always present.
 * @param {File|Blob} file
 * @param {object} [options] see DEFAULTS
 * `variants` holds the region hashes of options.windows (empty for non-images).
 * @returns {Promise<{pdq: string|null, quality: number|null, md5: string, sha256: string,
 *   width: number|null, height: number|null,
 *   variants: Array<{name: string, pdq: string, quality: number}>}>}
 */
export async function hashFile(file, options = {}) {
  const digests = await digestBlob(file, options);
  const none = { pdq: null, quality: null, width: null, height: null, variants: [], ...digests };
  let pixels;
  if (looksLikeImage(file)) {
    pixels = await decodeImage(file, options);
  } else if (!file.type || file.type === 'application/octet-stream') {
    // Type unknown (e.g. a name without extension): try it as an image, else bytes only.
    try {
      pixels = await decodeImage(file, options);
    } catch {
      return none;
    }
  } else {
    return none;
  }
  const { data, width, height } = pixels;
  const { hash, quality } = pdqFromRGBA(data, width, height);
  const variants = windowVariants(data, width, height, { ...options, exclude: [hash] });
  return { pdq: hash, quality, width, height, variants, ...digests };
}

/**
 * PDQ hashes of named regions of an RGBA image, as Python's robust.bank_variants makes and
 * keeps them: each region sliced from the grey work image (workimage.js), in window order,
 * at most maxVariants, none below qualityMin, none repeating an earlier one or a hash in
 * `exclude` (the plain hash of the whole image).
 * @param {Uint8ClampedArray|Uint8Array} rgba  width*height*4 bytes, full resolution
 * @param {number} width
 * @param {number} height
 * @param {{windows?: Array<{name: string, left: number, top: number, right: number,
 *   bottom: number}>, qualityMin?: number, maxVariants?: number, exclude?: string[]}} [options]
 * @returns {Array<{name: string, pdq: string, quality: number}>}
 */
export function windowVariants(rgba, width, height, options = {}) {
  const { windows, qualityMin, maxVariants } = { ...DEFAULTS, ...options };
  const chosen = (windows || []).slice(0, maxVariants);
  if (chosen.length === 0) return [];
  const work = workImage(rgba, width, height);
  const seen = new Set(options.exclude || []);
  const out = [];
  for (const w of chosen) {
    const box = windowBox(w, work.width, work.height);
    if (box === null) continue;
    const { hash, quality } = pdqFromRGBA(greyBoxToRGBA(work, box), box.width, box.height);
    if (quality < qualityMin || seen.has(hash)) continue;
    seen.add(hash);
    out.push({ name: w.name, pdq: hash, quality });
  }
  return out;
}

/** Pixel box of a fractional window, edges rounded like Python's round(); null if empty. */
export function windowBox(w, width, height) {
  const left = Math.max(0, pyRound(w.left * width));
  const right = Math.min(width, pyRound(w.right * width));
  const top = Math.max(0, pyRound(w.top * height));
  const bottom = Math.min(height, pyRound(w.bottom * height));
  if (right <= left || bottom <= top) return null;
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * One region of the grey work image as opaque RGBA with R = G = B, for pdqFromRGBA: its
 * luma of a grey pixel (g*0.299 + g*0.587 + g*0.114, stored as float32) is exactly g for
 * every level 0..255, as Python's PDQ of a single-channel array uses g itself.
 */
function greyBoxToRGBA(work, box) {
  const out = new Uint8ClampedArray(box.width * box.height * 4);
  for (let y = 0, q = 0; y < box.height; y += 1) {
    const row = (box.top + y) * work.width + box.left;
    for (let x = 0; x < box.width; x += 1, q += 4) {
      const g = work.grey[row + x];
      out[q] = g;
      out[q + 1] = g;
      out[q + 2] = g;
      out[q + 3] = 255;
    }
  }
  return out;
}

function targetSize(width, height, maxSide, maxPixels) {
  let scale = 1;
  if (maxSide != null && Math.max(width, height) > maxSide) {
    scale = maxSide / Math.max(width, height);
  }
  if (width * height * scale * scale > maxPixels) scale = Math.sqrt(maxPixels / (width * height));
  if (scale >= 1) return null;
  return {
    width: Math.max(1, Math.floor(width * scale)),
    height: Math.max(1, Math.floor(height * scale)),
  };
}

function hasSubtle() {
  return typeof crypto !== 'undefined' && crypto.subtle !== undefined && globalThis.isSecureContext;
}

function toHex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
