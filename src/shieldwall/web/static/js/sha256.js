/**
 * Streaming SHA-256 (FIPS 180-4), the fallback for the in-browser hasher.
 *
 * The hasher prefers WebCrypto's crypto.subtle.digest, but that API takes the
 * whole file at once (no streaming) and exists only in secure contexts (https or
 * localhost). This fallback covers a self-hosted portal served over plain http
 * on a LAN and videos too large to hold in memory whole.
 *
 * Plain ES module, no dependencies, no build step.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const rotr = (x, n) => (x >>> n) | (x << (32 - n));

/** Incremental SHA-256: `new Sha256().update(bytes)...hex()`. */
export class Sha256 {
  constructor() {
    this.state = new Int32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
      0x5be0cd19,
    ]);
    this.block = new Uint8Array(64);
    this.blockView = new DataView(this.block.buffer);
    this.w = new Int32Array(64);
    this.fill = 0;
    this.length = 0;
    this.done = false;
  }

  /** Feed more bytes (Uint8Array or ArrayBuffer); returns this for chaining. */
  update(data) {
    if (this.done) throw new Error('SHA-256: update() after hex()');
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
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (; pos + 64 <= bytes.length; pos += 64) this.compress(view, pos);
    this.block.set(bytes.subarray(pos), 0);
    this.fill = bytes.length - pos;
    return this;
  }

  /** Finish and return the digest as 64 lowercase hex digits. */
  hex() {
    if (!this.done) {
      const bitLength = this.length * 8;
      const pad = new Uint8Array((this.fill < 56 ? 56 : 120) - this.fill + 8);
      pad[0] = 0x80;
      const tail = new DataView(pad.buffer, pad.length - 8);
      tail.setUint32(0, Math.floor(bitLength / 2 ** 32), false);
      tail.setUint32(4, bitLength >>> 0, false);
      this.update(pad);
      this.done = true;
    }
    let out = '';
    for (const word of this.state) out += (word >>> 0).toString(16).padStart(8, '0');
    return out;
  }

  compress(view, offset) {
    const w = this.w;
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(offset + 4 * i, false);
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
      const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    const st = this.state;
    let a = st[0];
    let b = st[1];
    let c = st[2];
    let d = st[3];
    let e = st[4];
    let f = st[5];
    let g = st[6];
    let h = st[7];
    for (let i = 0; i < 64; i++) {
      const t1 =
        (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
  }
}

/** SHA-256 of one buffer as 64 lowercase hex digits. */
export function sha256Hex(data) {
  return new Sha256().update(data).hex();
}
