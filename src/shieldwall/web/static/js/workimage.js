/**
 * The grey "work image" that region hashes are sliced from, byte-identical to Python's
 * `shieldwall.hashing.robust._work_image`: Pillow's RGB -> "L" conversion, then, when the
 * long side is over WORK_SIDE, Pillow's `Image.resize(..., Resampling.BOX)`.
 *
 * Why a port and not the canvas: a bank-side region hash is only useful if it equals the
 * hash the query side computes from the same grey copy. Hashing the regions at full
 * resolution instead moved them ~10 bits on average (44 at worst) from Python's, a third
 * of the match threshold. Canvas scaling is browser-specific and not a box filter, so
 * the arithmetic below repeats Pillow's instead (src/libImaging/Convert.c `rgb2l`,
 * src/libImaging/Resample.c `precompute_coeffs`, `normalize_coeffs_8bpc`,
 * `ImagingResampleInner`, as of Pillow 13.0):
 *
 *   L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16
 *   box filter coefficients in double, normalised, then to fixed point with 22 bits;
 *   one pass along rows and one along columns, each rounded (+2^21) and clipped to 8 bits.
 *
 * Pillow 13 changed the order of the two passes for images whose height shrinks much more
 * than their width (python-pillow/Pillow#9549); a level can differ there under older Pillow.
 *
 * Plain ES module, no dependencies, no build step.
 */

/** Long side of the grey copy (Python's robust.WORK_SIDE; a test keeps them equal). */
export const WORK_SIDE = 512;

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/**
 * Pillow's "L" of RGBA pixels (alpha ignored), as Image.convert("L") does for "RGB".
 * @param {Uint8ClampedArray|Uint8Array} rgba  width*height*4 bytes
 * @returns {Uint8Array} width*height grey levels
 */
export function greyFromRGBA(rgba, width, height) {
  const n = width * height;
  if (rgba.length !== n * 4) {
    throw new RangeError(`expected ${n * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  }
  const out = new Uint8Array(n);
  for (let p = 0, q = 0; p < n; p++, q += 4) {
    out[p] = (rgba[q] * 19595 + rgba[q + 1] * 38470 + rgba[q + 2] * 7471 + 0x8000) >> 16;
  }
  return out;
}

/**
 * The box filter's fixed-point coefficients for one axis (Pillow's precompute_coeffs with
 * in0 = 0, in1 = inSize, then normalize_coeffs_8bpc).
 */
function boxCoefficients(inSize, outSize) {
  const scale = inSize / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = 0.5 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const weights = new Float64Array(ksize);
  const inv = 1.0 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0.0;
    for (let x = 0; x < xmax; x++) {
      const t = (x + xmin - center + 0.5) * inv;
      const w = t > -0.5 && t <= 0.5 ? 1.0 : 0.0;
      weights[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const k = ww !== 0.0 ? weights[x] / ww : weights[x];
      kk[xx * ksize + x] = k < 0 ? Math.trunc(-0.5 + k * ONE) : Math.trunc(0.5 + k * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

/** Pillow's clip8 of a fixed-point sum (the box filter never goes negative, but be exact). */
function clip8(ss) {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** _ImagingResampleHorizontal_8bpc for one band: every row, new width. */
function resampleRows(grey, width, height, outWidth) {
  const { ksize, bounds, kk } = boxCoefficients(width, outWidth);
  const out = new Uint8Array(outWidth * height);
  for (let yy = 0; yy < height; yy++) {
    const row = yy * width;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = bounds[xx * 2];
      const xmax = bounds[xx * 2 + 1];
      const k = xx * ksize;
      let ss = HALF;
      for (let x = 0; x < xmax; x++) ss += grey[row + xmin + x] * kk[k + x];
      out[yy * outWidth + xx] = clip8(ss);
    }
  }
  return out;
}

/** _ImagingResampleVertical_8bpc for one band: every column, new height. */
function resampleCols(grey, width, height, outHeight) {
  const { ksize, bounds, kk } = boxCoefficients(height, outHeight);
  const out = new Uint8Array(width * outHeight);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = bounds[yy * 2];
    const ymax = bounds[yy * 2 + 1];
    const k = yy * ksize;
    for (let xx = 0; xx < width; xx++) {
      let ss = HALF;
      for (let y = 0; y < ymax; y++) ss += grey[(ymin + y) * width + xx] * kk[k + y];
      out[yy * width + xx] = clip8(ss);
    }
  }
  return out;
}

/**
 * Pillow's `Image.resize((outWidth, outHeight), Resampling.BOX)` of an "L" image.
 * Two passes, each rounded to 8 bits, in Pillow 13's order (ImagingResampleInner): rows
 * first, unless the height shrinks by more than twice as many pixels as the width does,
 * then columns first. A pass whose size does not change is skipped, as Pillow does.
 * @returns {Uint8Array} outWidth*outHeight grey levels
 */
export function boxResize(grey, width, height, outWidth, outHeight) {
  if (grey.length !== width * height) {
    throw new RangeError(`expected ${width * height} grey bytes, got ${grey.length}`);
  }
  const shrinkY = height - outHeight;
  if (shrinkY > 0 && shrinkY > (width - outWidth) * 2) {
    const cols = resampleCols(grey, width, height, outHeight);
    return outWidth !== width ? resampleRows(cols, width, outHeight, outWidth) : cols;
  }
  const rows = outWidth !== width ? resampleRows(grey, width, height, outWidth) : grey;
  return outHeight !== height ? resampleCols(rows, outWidth, height, outHeight) : rows.slice();
}

/**
 * The grey copy region hashes are sliced from: Pillow's "L", at most `workSide` pixels on
 * its long side (sizes rounded as Python's round()), as robust._work_image.
 * @param {Uint8ClampedArray|Uint8Array} rgba  width*height*4 bytes
 * @returns {{grey: Uint8Array, width: number, height: number}}
 */
export function workImage(rgba, width, height, workSide = WORK_SIDE) {
  const grey = greyFromRGBA(rgba, width, height);
  const scale = workSide / Math.max(width, height);
  if (!(scale < 1)) return { grey, width, height };
  const outWidth = Math.max(1, pyRound(width * scale));
  const outHeight = Math.max(1, pyRound(height * scale));
  const small = boxResize(grey, width, height, outWidth, outHeight);
  return { grey: small, width: outWidth, height: outHeight };
}

/** Python's round() for x >= 0: halves go to the even neighbour (round(2.5) == 2). */
export function pyRound(x) {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
