/**
 * PDQ perceptual hash in the browser, bit-identical to Meta's reference (pdqhash).
 *
 * The victim portal hashes a photo on the victim's own device and sends only the
 * hashes, never the image. For a hash computed here to match one computed by the
 * server (Python `pdqhash.compute`, which wraps Meta's C++ reference), every step
 * below repeats the reference's arithmetic: the same operations, in the same
 * order, rounded to 32-bit float wherever the C++ uses `float` (Math.fround and
 * Float32Array stores), and in double wherever it uses `double`.
 *
 * Steps (pdq/cpp/hashing/pdqhashing.cpp, pdq/cpp/downscaling/downscaling.cpp):
 *   luma -> Jarosz filter (2 x (box along rows, box along columns)) -> decimate
 *   to 64x64 -> quality from gradients -> 16x16 DCT -> bits above the median.
 *
 * Plain ES module, no dependencies, no build step.
 */

const fround = Math.fround;

/** Images smaller than this on either side hash to all zeros with quality 0. */
const MIN_HASHABLE_DIM = 5;
const PASSES = 2;

/**
 * The 16x64 DCT-II rows 1..16 (row-major), as float32 exactly like the reference:
 * a float scale factor times a double cosine, rounded once to float.
 */
export const DCT_MATRIX = (() => {
  const m = new Float32Array(16 * 64);
  const scale = fround(Math.sqrt(2.0 / 64));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      m[i * 64 + j] = scale * Math.cos((Math.PI / 2.0 / 64) * (i + 1) * (2 * j + 1));
    }
  }
  return m;
})();

/** Window of each box-filter pass: half of one output cell, rounded up. */
export function jaroszWindowSize(oldDimension, newDimension) {
  return Math.trunc((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/**
 * Luma as float32: the server computes it in double with numpy (uint8 * 0.299 + ...)
 * and casts to float32 once, so we do the same (not the C++ float-coefficient path).
 */
function lumaFromRGBA(rgba, n) {
  const luma = new Float32Array(n);
  for (let p = 0, q = 0; p < n; p++, q += 4) {
    luma[p] = rgba[q] * 0.299 + rgba[q + 1] * 0.587 + rgba[q + 2] * 0.114;
  }
  return luma;
}

/** One box-filter pass along each row (reference box1DFloat with stride 1). */
function boxAlongRows(input, output, rows, cols, win) {
  const half = Math.trunc((win + 2) / 2);
  const p1 = half - 1;
  const p2 = win - half + 1;
  const p3 = cols - win;
  const p4 = half - 1;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let li = base;
    let ri = base;
    let oi = base;
    let sum = 0;
    let count = 0;
    for (let i = 0; i < p1; i++) {
      sum = fround(sum + input[ri++]);
      count++;
    }
    for (let i = 0; i < p2; i++) {
      sum = fround(sum + input[ri++]);
      count++;
      output[oi++] = sum / count;
    }
    for (let i = 0; i < p3; i++) {
      sum = fround(sum + input[ri++]);
      sum = fround(sum - input[li++]);
      output[oi++] = sum / count;
    }
    for (let i = 0; i < p4; i++) {
      sum = fround(sum - input[li++]);
      count--;
      output[oi++] = sum / count;
    }
  }
}

/**
 * One box-filter pass down each column. The reference walks one column at a time
 * with a stride; we walk all columns at once row by row (cache friendly). Each
 * column still sees exactly the same sequence of float operations, so the
 * result is bit-identical.
 */
function boxAlongCols(input, output, rows, cols, win, sums) {
  const half = Math.trunc((win + 2) / 2);
  const p1 = half - 1;
  const p2 = win - half + 1;
  const p3 = rows - win;
  const p4 = half - 1;
  sums.fill(0);
  let ri = 0; // row index of the right (leading) edge
  let li = 0; // row index of the left (trailing) edge
  let oi = 0; // output row
  let count = 0;
  for (let i = 0; i < p1; i++, ri++) {
    const a = ri * cols;
    for (let j = 0; j < cols; j++) sums[j] = sums[j] + input[a + j];
    count++;
  }
  for (let i = 0; i < p2; i++, ri++, oi++) {
    const a = ri * cols;
    const o = oi * cols;
    count++;
    for (let j = 0; j < cols; j++) {
      const s = fround(sums[j] + input[a + j]);
      sums[j] = s;
      output[o + j] = s / count;
    }
  }
  for (let i = 0; i < p3; i++, ri++, li++, oi++) {
    const a = ri * cols;
    const b = li * cols;
    const o = oi * cols;
    for (let j = 0; j < cols; j++) {
      const s = fround(fround(sums[j] + input[a + j]) - input[b + j]);
      sums[j] = s;
      output[o + j] = s / count;
    }
  }
  for (let i = 0; i < p4; i++, li++, oi++) {
    const b = li * cols;
    const o = oi * cols;
    count--;
    for (let j = 0; j < cols; j++) {
      const s = fround(sums[j] - input[b + j]);
      sums[j] = s;
      output[o + j] = s / count;
    }
  }
}

/** Blur with two tent passes and sample the 64x64 cell centres (reference decimateFloat). */
function downsampleTo64(luma, rows, cols, skipFilterAt64) {
  const out = new Float32Array(64 * 64);
  if (skipFilterAt64 && rows === 64 && cols === 64) {
    // The reference's single-hash path skips the filter for input that is
    // already 64x64 (video frames); its dihedral path does not.
    out.set(luma);
    return out;
  }
  const winRows = jaroszWindowSize(cols, 64); // window along each row
  const winCols = jaroszWindowSize(rows, 64); // window down each column
  const tmp = new Float32Array(rows * cols);
  const sums = new Float32Array(cols);
  for (let pass = 0; pass < PASSES; pass++) {
    boxAlongRows(luma, tmp, rows, cols, winRows);
    boxAlongCols(tmp, luma, rows, cols, winCols, sums);
  }
  for (let i = 0; i < 64; i++) {
    const ini = Math.trunc(((i + 0.5) * rows) / 64);
    for (let j = 0; j < 64; j++) {
      const inj = Math.trunc(((j + 0.5) * cols) / 64);
      out[i * 64 + j] = luma[ini * cols + inj];
    }
  }
  return out;
}

/** Count of significant gradients in the 64x64 image, scaled to 0..100 (reference heuristic). */
function qualityMetric(a) {
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const d = Math.trunc(fround(fround(fround(a[i * 64 + j] - a[(i + 1) * 64 + j]) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const d = Math.trunc(fround(fround(fround(a[i * 64 + j] - a[i * 64 + j + 1]) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  return Math.min(100, Math.trunc(gradientSum / 90));
}

/** B = D A D^T restricted to the 16x16 lowest non-DC frequencies, summed in float like dct64To16. */
function dct64To16(a) {
  const d = DCT_MATRIX;
  const t = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      let s = 0;
      for (let k = 0; k < 64; k++) s = fround(s + fround(d[i * 64 + k] * a[k * 64 + j]));
      t[i * 64 + j] = s;
    }
  }
  const b = new Float32Array(16 * 16);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let s = 0;
      for (let k = 0; k < 64; k++) s = fround(s + fround(t[i * 64 + k] * d[j * 64 + k]));
      b[i * 16 + j] = s;
    }
  }
  return b;
}

/** Torben's median, exactly as the reference (it returns an element, or the midpoint guess). */
function torbenMedian(m) {
  const n = m.length;
  let min = m[0];
  let max = m[0];
  for (let i = 1; i < n; i++) {
    if (m[i] < min) min = m[i];
    if (m[i] > max) max = m[i];
  }
  const halfN = Math.trunc((n + 1) / 2);
  let guess;
  let less;
  let greater;
  let equal;
  let maxLtGuess;
  let minGtGuess;
  for (;;) {
    guess = fround(fround(min + max) / 2);
    less = 0;
    greater = 0;
    equal = 0;
    maxLtGuess = min;
    minGtGuess = max;
    for (let i = 0; i < n; i++) {
      const v = m[i];
      if (v < guess) {
        less++;
        if (v > maxLtGuess) maxLtGuess = v;
      } else if (v > guess) {
        greater++;
        if (v < minGtGuess) minGtGuess = v;
      } else {
        equal++;
      }
    }
    if (less <= halfN && greater <= halfN) break;
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
  if (less >= halfN) return maxLtGuess;
  if (less + equal >= halfN) return guess;
  return minGtGuess;
}

/**
 * 64 hex digits exactly as pdqhash / ThreatExchange print them: bit k is set when
 * coefficient k (row-major in the 16x16 block) exceeds the median, and the hex
 * is the 256-bit number with bit 255 first.
 */
function bitsToHex(dct) {
  const median = torbenMedian(dct);
  let hex = '';
  for (let k = 252; k >= 0; k -= 4) {
    const nibble =
      ((dct[k + 3] > median) << 3) |
      ((dct[k + 2] > median) << 2) |
      ((dct[k + 1] > median) << 1) |
      (dct[k] > median);
    hex += nibble.toString(16);
  }
  return hex;
}

function checkInput(rgba, width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`PDQ: bad image size ${width}x${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new RangeError(
      `PDQ: expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`,
    );
  }
}

const ZERO_HASH = '0'.repeat(64);

/** Shared front half: pixels to the 16x16 DCT block and the quality score. */
function dctFromRGBA(rgba, width, height, skipFilterAt64) {
  checkInput(rgba, width, height);
  if (width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM) return null;
  const luma = lumaFromRGBA(rgba, width * height);
  const small = downsampleTo64(luma, height, width, skipFilterAt64);
  return { dct: dct64To16(small), quality: qualityMetric(small) };
}

/**
 * PDQ hash of an RGBA image (e.g. ImageData.data); alpha is ignored.
 * @param {Uint8ClampedArray|Uint8Array} rgba  width*height*4 bytes, row-major
 * @param {number} width
 * @param {number} height
 * @returns {{hash: string, quality: number}} 64 lowercase hex digits and 0..100
 */
export function pdqFromRGBA(rgba, width, height) {
  const r = dctFromRGBA(rgba, width, height, true);
  if (r === null) return { hash: ZERO_HASH, quality: 0 };
  return { hash: bitsToHex(r.dct), quality: r.quality };
}

// The eight symmetries act on the DCT block by transposing and flipping signs
// (reference dct16OriginalTo*); each entry maps (i, j, value) to B's slot.
const DIHEDRAL = {
  original: (a, b) => b.set(a),
  rotate90: (a, b) => each(a, (i, j, v) => (b[j * 16 + i] = j & 1 ? v : -v)),
  rotate180: (a, b) => each(a, (i, j, v) => (b[i * 16 + j] = (i + j) & 1 ? -v : v)),
  rotate270: (a, b) => each(a, (i, j, v) => (b[j * 16 + i] = i & 1 ? v : -v)),
  flipX: (a, b) => each(a, (i, j, v) => (b[i * 16 + j] = i & 1 ? v : -v)),
  flipY: (a, b) => each(a, (i, j, v) => (b[i * 16 + j] = j & 1 ? v : -v)),
  flipPlus1: (a, b) => each(a, (i, j, v) => (b[j * 16 + i] = v)),
  flipMinus1: (a, b) => each(a, (i, j, v) => (b[j * 16 + i] = (i + j) & 1 ? -v : v)),
};

function each(a, f) {
  for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) f(i, j, a[i * 16 + j]);
}

/** Names of the eight dihedral variants, in pdqhash.compute_dihedral's order. */
export const DIHEDRAL_NAMES = Object.freeze(Object.keys(DIHEDRAL));

/**
 * PDQ hashes of the image and its seven rotations/flips, from one pass over the pixels.
 * @returns {{hashes: Object<string, string>, quality: number}} keyed by DIHEDRAL_NAMES
 */
export function pdqDihedralFromRGBA(rgba, width, height) {
  const r = dctFromRGBA(rgba, width, height, false);
  const hashes = {};
  const aux = new Float32Array(256);
  for (const name of DIHEDRAL_NAMES) {
    if (r === null) {
      hashes[name] = ZERO_HASH;
      continue;
    }
    DIHEDRAL[name](r.dct, aux);
    hashes[name] = bitsToHex(aux);
  }
  return { hashes, quality: r === null ? 0 : r.quality };
}
