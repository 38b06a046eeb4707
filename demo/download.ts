/** Saves data as a file through a temporary object URL, the one way a static page can offer one. */
import type { Store } from '../src/index.js';

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by the next task; revoking sooner can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads a whole artifact with its own name and type (drilldown shows parts; this is all of it). */
export async function downloadArtifact(store: Store, handle: string): Promise<void> {
  const [ref, bytes] = await Promise.all([store.artifacts.ref(handle), store.artifacts.get(handle)]);
  if (!ref || !bytes) throw new Error(`artifact "${handle}" is no longer stored`);
  downloadBlob(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: ref.mime }), ref.name ?? handle);
}
