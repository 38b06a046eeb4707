/**
 * A growable byte buffer. Drilldown copies the bytes it keeps out of each chunk at once: the
 * engine may hand out views that the next `readChunk` overwrites, and one decode at the end
 * turns only the kept bytes into text.
 */
export class ByteSink {
  private bytes: Uint8Array;
  /** Bytes written so far; lowering it drops bytes from the end. */
  length = 0;

  constructor(capacity = 4096) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }

  /** Appends a copy of `part`. */
  push(part: Uint8Array): void {
    this.reserve(part.length);
    this.bytes.set(part, this.length);
    this.length += part.length;
  }

  /** Appends one byte. */
  pushByte(byte: number): void {
    this.reserve(1);
    this.bytes[this.length++] = byte;
  }

  /** The byte at `index` (of the bytes written), or -1 outside them. */
  at(index: number): number {
    return index >= 0 && index < this.length ? this.bytes[index]! : -1;
  }

  /** The bytes written so far, as a view that stays valid until the next write. */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    // Doubling keeps the total copying linear in the bytes kept.
    const next = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}
