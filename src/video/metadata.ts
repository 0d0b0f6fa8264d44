// Generation parameters travel inside the exported file (its `comment` tag, as JSON), so a clip
// can be remixed from the file alone. MP4 keeps it in `udta/meta/ilst/©cmt`, WebM in a
// `COMMENT` SimpleTag (ffprobe: `comment` and `MOVIE/COMMENT`).
import type { GenerationParams } from '../engine/protocol.ts';
import { InvalidExportOptionsError } from './errors.ts';

export type { GenerationParams };

const FORMAT_KEY = 'tessera';
const FORMAT_VERSION = 1;
/** Tag values this long still fit every muxer's string fields with room to spare. */
export const MAX_PARAMS_JSON_BYTES = 64 * 1024;

const NUMBER_FIELDS = ['seed', 'steps', 'guidance', 'contextFrames'] as const;

/** The `comment` tag text for `params`; throws InvalidExportOptionsError when they cannot travel. */
export function encodeParamsComment(params: GenerationParams): string {
  const problem = paramsProblem(params);
  if (problem) throw new InvalidExportOptionsError(`params ${problem}`);
  const text = JSON.stringify({ [FORMAT_KEY]: { version: FORMAT_VERSION, params } });
  const bytes = new TextEncoder().encode(text).byteLength;
  if (bytes > MAX_PARAMS_JSON_BYTES) {
    throw new InvalidExportOptionsError(
      `params take ${bytes} bytes as JSON; at most ${MAX_PARAMS_JSON_BYTES} fit in the file's metadata.`,
    );
  }
  return text;
}

/** The params in a `comment` tag written by `encodeParamsComment`, or null for any other text. */
export function decodeParamsComment(text: string | undefined): GenerationParams | null {
  if (!text) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null; // someone else's comment
  }
  if (!isRecord(parsed)) return null;
  const envelope = parsed[FORMAT_KEY];
  if (!isRecord(envelope) || envelope.version !== FORMAT_VERSION) return null;
  const params = envelope.params;
  if (!isRecord(params) || paramsProblem(params)) return null;
  return params as unknown as GenerationParams;
}

function paramsProblem(params: unknown): string | null {
  if (!isRecord(params)) return 'must be an object';
  if (typeof params.modelId !== 'string' || params.modelId === '') return 'need a non-empty string `modelId`';
  if (typeof params.prompt !== 'string') return 'need a string `prompt`';
  for (const field of NUMBER_FIELDS) {
    const value = params[field];
    if (!(typeof value === 'number' && Number.isFinite(value))) return `need a finite number \`${field}\``;
  }
  // Fields a later protocol adds travel too, as long as they are plain JSON.
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && !isJson(value)) {
      return `\`${key}\` is not plain JSON (no functions, NaN, typed arrays)`;
    }
  }
  return null;
}

function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (isRecord(value)) return Object.values(value).every(isJson);
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
