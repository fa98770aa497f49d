/**
 * Reading the API server's answers: the message of a rejection and the texts of `Warning`
 * headers. Kept apart from the client (kube.ts) so that unit tests need not load the
 * Kubernetes client library.
 */

/** The server's message from a Status body (parsed or raw), or the raw body. */
export function statusMessage(body: unknown): string {
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : String(body ?? '');
  try {
    const s = JSON.parse(text) as { message?: string };
    if (s.message) return s.message;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 2000);
}

/**
 * The texts of a `Warning` header value as Kubernetes sends it (`299 - "text"`, RFC 7234
 * §5.5), several joined by `, ` when the HTTP library merges repeated headers. A value of
 * another shape is returned whole.
 */
export function warningTexts(header: string | undefined): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const m of header.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) out.push(m[1]!.replace(/\\(.)/g, '$1'));
  return out.length ? out : [header];
}
