// Hands a Blob to the browser as a file download.

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its own reference by the next task.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name made of safe characters from free text, e.g. a prompt. */
export function fileStem(text: string, fallback = 'tessera'): string {
  const stem = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return stem || fallback;
}
