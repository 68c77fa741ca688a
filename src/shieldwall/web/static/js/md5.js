/**
 * Streaming MD5 (RFC 1321) for the in-browser hasher.
 *
 * WebCrypto offers no MD5, yet hash-sharing programmes (and our banks) still
 * exchange MD5 for exact matches, so the portal needs its own. MD5 is used here
 * only as an identifier of the exact file, never for security. Input arrives in
 * chunks so a large video never has to sit in memory whole.
 *
 * Plain ES module, no dependencies, no build step.
 */

// Per-round left-rotation amounts and the sine-derived constants of RFC 1321.
const S = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14,
  20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6,
  10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0;

/** Incremental MD5: `new Md5().update(bytes)...hex()`. */
export class Md5 {
  constructor() {
    this.state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
    this.block = new Uint8Array(64);
    this.blockView = new DataView(this.block.buffer);
    this.words = new Int32Array(16);
    this.fill = 0; // bytes waiting in this.block
    this.length = 0; // total bytes seen (exact below 2**53)
    this.done = false;
  }

  /** Feed more bytes (Uint8Array or ArrayBuffer); returns this for chaining. */
  update(data) {
    if (this.done) throw new Error('MD5: update() after hex()');
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    this.length += bytes.length;
    let pos = 0;
    if (this.fill > 0) {
      const take = Math.min(64 - this.fill, bytes.length);
      this.block.set(bytes.subarray(0, take), this.fill);
      this.fill += take;
      pos = take;
      if (this.fill < 64) return this;
      this.compress(this.blockView, 0);
      this.fill = 0;
    }
    // Whole blocks straight from the caller's buffer: no copy on the hot path.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (; pos + 64 <= bytes.length; pos += 64) this.compress(view, pos);
    this.block.set(bytes.subarray(pos), 0);
    this.fill = bytes.length - pos;
    return this;
  }

  /** Finish and return the digest as 32 lowercase hex digits. */
  hex() {
    if (!this.done) {
      const bitLength = this.length * 8;
      const pad = new Uint8Array((this.fill < 56 ? 56 : 120) - this.fill + 8);
      pad[0] = 0x80;
      const tail = new DataView(pad.buffer, pad.length - 8);
      tail.setUint32(0, bitLength >>> 0, true);
      tail.setUint32(4, Math.floor(bitLength / 2 ** 32), true);
      this.update(pad);
      this.done = true;
    }
    let out = '';
    for (let i = 0; i < 4; i++) {
      const w = this.state[i];
      for (let b = 0; b < 4; b++) out += ((w >>> (8 * b)) & 0xff).toString(16).padStart(2, '0');
    }
    return out;
  }

  compress(view, offset) {
    const x = this.words;
    for (let i = 0; i < 16; i++) x[i] = view.getInt32(offset + 4 * i, true);
    const st = this.state;
    let a = st[0];
    let b = st[1];
    let c = st[2];
    let d = st[3];
    for (let i = 0; i < 64; i++) {
      let f;
      let g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const t = (a + f + K[i] + x[g]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((t << S[i]) | (t >>> (32 - S[i])))) | 0;
    }
    st[0] = (st[0] + a) | 0;
    st[1] = (st[1] + b) | 0;
    st[2] = (st[2] + c) | 0;
    st[3] = (st[3] + d) | 0;
  }
}

/** MD5 of one buffer as 32 lowercase hex digits. */
export function md5Hex(data) {
  return new Md5().update(data).hex();
}
