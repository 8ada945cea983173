/**
 * Hands a Blob to the browser's downloads as `filename`, without leaving the page: an object
 * URL, a hidden link clicked once, and the URL revoked right after (the download already holds
 * the bytes), so nothing of the content outlives the click in the page.
 */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    // On the next task: a synchronous revoke can cancel the download in some browsers.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
