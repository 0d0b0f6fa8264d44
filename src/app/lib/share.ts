// Share links: the page's query carries what reproduces a clip, e.g.
//   ?prompt=one+big+red+ball%2C+slow%2C+strong+gravity&seed=7&steps=4&guidance=1.5&model=balls-s#/create
import { REQUEST_LIMITS } from '../../engine/protocol.ts';

export interface ShareParams {
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  model: string;
}

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function integerIn(text: string | null, min: number, max: number): number | undefined {
  if (text === null || !/^\d+$/.test(text.trim())) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}

/** The valid share fields in a query string; anything malformed is left out, never guessed. */
export function parseShare(search: string): Partial<ShareParams> {
  const query = new URLSearchParams(search);
  const out: Partial<ShareParams> = {};
  const prompt = query.get('prompt');
  if (prompt !== null) out.prompt = prompt.slice(0, REQUEST_LIMITS.maxPromptChars);
  const seed = integerIn(query.get('seed'), 0, REQUEST_LIMITS.maxSeed);
  if (seed !== undefined) out.seed = seed;
  const steps = integerIn(query.get('steps'), 1, REQUEST_LIMITS.maxSteps);
  if (steps !== undefined) out.steps = steps;
  const guidanceText = query.get('guidance');
  const guidance = guidanceText === null || guidanceText.trim() === '' ? NaN : Number(guidanceText);
  if (Number.isFinite(guidance) && guidance >= 0 && guidance <= REQUEST_LIMITS.maxGuidance) {
    out.guidance = guidance;
  }
  const model = query.get('model');
  if (model !== null && MODEL_ID.test(model)) out.model = model;
  return out;
}

/** `?prompt=...&seed=...` for these parameters. */
export function shareQuery(params: ShareParams): string {
  const query = new URLSearchParams({
    prompt: params.prompt,
    seed: String(params.seed),
    steps: String(params.steps),
    guidance: String(params.guidance),
    model: params.model,
  });
  return `?${query}`;
}

/** The full link for these parameters, opening the Create view. */
export function shareUrl(params: ShareParams, location: { origin: string; pathname: string }): string {
  return `${location.origin}${location.pathname}${shareQuery(params)}#/create`;
}
