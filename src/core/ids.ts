/**
 * Time-sortable ids in the UUIDv7 layout (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit
 * counter that keeps ids made in the same millisecond in creation order, then random bits.
 */
let lastMs = -1;
let counter = 0;
// Random bytes drawn 4 KiB at a time: one getRandomValues call per id was 7% of a bulk append.
const pool = new Uint8Array(4096);
let poolAt = pool.length;

function randomBytes(n: number): Uint8Array {
  if (poolAt + n > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  poolAt += n;
  return pool.subarray(poolAt - n, poolAt);
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** A new UUIDv7-style id; ids from one thread sort in creation order. */
export function newId(now: number = Date.now()): string {
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    counter++;
    if (counter > 0xfff) {
      // 4 096 ids in one millisecond: borrow the next millisecond rather than lose the order.
      ms++;
      counter = 0;
    }
  } else {
    counter = 0;
  }
  lastMs = ms;
  const random = randomBytes(8);
  const bytes = new Uint8Array(16);
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (random[0]! & 0x3f);
  bytes.set(random.subarray(1, 8), 9);
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
