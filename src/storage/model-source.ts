import { ModelSourceError } from './errors.ts';

/** Where a model comes from when the cache cannot serve it. */
export type ModelSource =
  /**
   * A folder holding config.json and model.safetensors: a same-origin path ("/models/tiny/"),
   * any https URL (Hugging Face: "https://huggingface.co/<org>/<repo>/resolve/main/"), or http
   * on localhost.
   */
  | { readonly kind: 'url'; readonly baseUrl: string }
  /** Files the user dropped or picked; config is the parsed JSON or its file. */
  | { readonly kind: 'file'; readonly weights: Blob; readonly config: Blob | Record<string, unknown> };

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The absolute URL of one file in a model folder; refuses plain http to other hosts. */
export function modelFileUrl(baseUrl: string, file: string, pageUrl: string | undefined): string {
  if (typeof baseUrl !== 'string' || baseUrl.trim() === '') {
    throw new ModelSourceError('model URL is empty');
  }
  const folder = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const isAbsolute = SCHEME.test(folder) || folder.startsWith('//');
  let url: URL;
  try {
    url = new URL(file, new URL(folder, pageUrl ?? 'http://localhost/'));
  } catch {
    throw new ModelSourceError(`model URL ${JSON.stringify(baseUrl)} is not a valid URL`);
  }
  // A relative path is same-origin, whatever the page's own scheme.
  if (!isAbsolute) return pageUrl ? url.href : `${url.pathname}${url.search}`;
  if (url.protocol === 'https:') return url.href;
  if (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname)) return url.href;
  if (url.protocol === 'http:') {
    throw new ModelSourceError(
      `refusing to download a model over plain http from ${url.host}: use https (http is allowed only for localhost)`,
    );
  }
  throw new ModelSourceError(`model URL scheme ${url.protocol} is not supported; use https`);
}
