/**
 * A file held in memory as fixed-size blocks. When `tracked`, it remembers which blocks changed
 * since the last durable point and what each held before, so the changes can be persisted as one
 * journal record (`changedBlocks`) or undone after that failed (`revert`).
 *
 * Invariant: every block below `blockCount(size)` exists in the map. Growing the file
 * materialises the new blocks (zero-filled) as changed blocks, so a journal record always holds
 * every block that came into existence with it; recovery then never has to guess what lies in a
 * gap, even over a snapshot taken later than the manifest says (see docs/journal.md).
 */

/** Bytes per block: SQLite's default page size, so one page write touches one block. */
export const BLOCK_SIZE = 4096;

const ZERO_BLOCK = new Uint8Array(BLOCK_SIZE);

export function blockCount(size: number): number {
  return Math.ceil(size / BLOCK_SIZE);
}

export class BlockFile {
  readonly tracked: boolean;
  #size = 0;
  #durableSize = 0;
  readonly #blocks = new Map<number, Uint8Array>();
  /** Changed block → its durable content (`null`: it did not exist at the durable point). */
  readonly #preImages = new Map<number, Uint8Array | null>();

  constructor(tracked: boolean) {
    this.tracked = tracked;
  }

  get size(): number {
    return this.#size;
  }

  get durableSize(): number {
    return this.#durableSize;
  }

  /** Whether anything changed since the last durable point. */
  get dirty(): boolean {
    return this.#preImages.size > 0 || this.#size !== this.#durableSize;
  }

  /** Copies bytes at `offset` into `dest`; returns how many existed (the rest is left untouched). */
  read(dest: Uint8Array, offset: number): number {
    const available = Math.max(0, Math.min(dest.length, this.#size - offset));
    let done = 0;
    while (done < available) {
      const at = offset + done;
      const index = Math.floor(at / BLOCK_SIZE);
      const within = at - index * BLOCK_SIZE;
      const n = Math.min(BLOCK_SIZE - within, available - done);
      const block = this.#blocks.get(index) ?? ZERO_BLOCK;
      dest.set(block.subarray(within, within + n), done);
      done += n;
    }
    return available;
  }

  write(src: Uint8Array, offset: number): void {
    const end = offset + src.length;
    if (end > this.#size) this.#grow(end);
    let done = 0;
    while (done < src.length) {
      const at = offset + done;
      const index = Math.floor(at / BLOCK_SIZE);
      const within = at - index * BLOCK_SIZE;
      const n = Math.min(BLOCK_SIZE - within, src.length - done);
      this.#writable(index).set(src.subarray(done, done + n), within);
      done += n;
    }
  }

  truncate(size: number): void {
    if (size >= this.#size) {
      if (size > this.#size) this.#grow(size);
      return;
    }
    const keep = blockCount(size);
    for (let index = keep; index < blockCount(this.#size); index++) {
      this.#remember(index);
      this.#blocks.delete(index);
    }
    // Zero the cut-off tail of a partial last block, so growing again reads zeros there.
    if (size % BLOCK_SIZE !== 0) this.#writable(keep - 1).fill(0, size % BLOCK_SIZE);
    this.#size = size;
  }

  /**
   * Indices of blocks that exist and differ from their durable content, ascending. A block
   * written back to what it held (SQLite's own ROLLBACK restores pages through xWrite) is left out.
   */
  changedBlocks(): number[] {
    const count = blockCount(this.#size);
    const changed: number[] = [];
    for (const [index, before] of this.#preImages) {
      if (index < count && !(before && sameBytes(before, this.block(index)))) changed.push(index);
    }
    return changed.sort((a, b) => a - b);
  }

  /** The current content of a block (shared: copy it before keeping it). */
  block(index: number): Uint8Array {
    return this.#blocks.get(index) ?? ZERO_BLOCK;
  }

  /** The content a block had at the last durable point, or undefined when it did not exist. */
  durableBlock(index: number): Uint8Array | undefined {
    if (index >= blockCount(this.#durableSize)) return undefined;
    if (this.#preImages.has(index)) return this.#preImages.get(index) ?? ZERO_BLOCK;
    return this.#blocks.get(index) ?? ZERO_BLOCK;
  }

  /** The current state becomes the durable one. */
  markDurable(): void {
    this.#preImages.clear();
    this.#durableSize = this.#size;
  }

  /** Puts every changed block back to its durable content. */
  revert(): void {
    for (const [index, before] of this.#preImages) {
      if (before) this.#blocks.set(index, before);
      else this.#blocks.delete(index);
    }
    this.#preImages.clear();
    this.#size = this.#durableSize;
  }

  /** Recovery: sets a block without tracking it (`data` is kept, not copied). */
  loadBlock(index: number, data: Uint8Array): void {
    this.#blocks.set(index, data);
  }

  /** Recovery: sets the size without tracking it, dropping blocks beyond it. */
  loadSize(size: number): void {
    for (let index = blockCount(size); index < blockCount(this.#size); index++) this.#blocks.delete(index);
    this.#size = size;
    this.#durableSize = size;
  }

  #grow(size: number): void {
    for (let index = blockCount(this.#size); index < blockCount(size); index++) this.#writable(index);
    this.#size = size;
  }

  #remember(index: number): void {
    if (this.tracked && !this.#preImages.has(index))
      this.#preImages.set(index, this.#blocks.get(index) ?? null);
  }

  /** The block to write into; copy-on-write, so a pre-image is never modified. */
  #writable(index: number): Uint8Array {
    const current = this.#blocks.get(index);
    if (current && (!this.tracked || this.#preImages.has(index))) return current;
    this.#remember(index);
    const copy = current ? current.slice() : new Uint8Array(BLOCK_SIZE);
    this.#blocks.set(index, copy);
    return copy;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const x = new Int32Array(a.buffer, a.byteOffset, a.length >> 2);
    const y = new Int32Array(b.buffer, b.byteOffset, b.length >> 2);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
