// The Create form and viewing preferences, kept in localStorage so a reload loses nothing.
// A share link (?prompt=...&seed=...) overrides the stored form once, at start-up.
import { BACKEND_CHOICES, REQUEST_LIMITS, type BackendChoice } from '../../engine/protocol.ts';
import { readDecisions, writeDecision, type AutoDecision } from '../lib/backend-choice.ts';
import { parseShare, type ShareParams } from '../lib/share.ts';

const KEY = 'tessera-settings';

export const DEFAULT_PROMPT = 'one big red ball, slow, strong gravity';

interface Stored {
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  modelId: string;
  trace: boolean;
  backend: BackendChoice;
}

export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

export class Settings {
  prompt = $state(DEFAULT_PROMPT);
  seed = $state(1);
  steps = $state(4);
  guidance = $state(1);
  /** '' until the shipped model list says which is the default. */
  modelId = $state('');
  /** Record per-step statistics, timings and x_t previews for the Inspect view. */
  trace = $state(true);
  /** Where generations run: 'auto' or one backend the user chose (Create's advanced settings). */
  backend = $state<BackendChoice>('auto');
  /** What 'auto' measured and picked, per device (deviceKey), as kept in localStorage. */
  decisions = $state.raw<Record<string, AutoDecision>>({});
  /** Which fields came from the share link at start-up, for a notice. */
  fromLink = $state.raw<(keyof ShareParams)[]>([]);

  constructor(search = location.search) {
    this.#restore();
    this.decisions = readDecisions(globalThis.localStorage ?? null);
    const shared = parseShare(search);
    if (shared.prompt !== undefined) this.prompt = shared.prompt;
    if (shared.seed !== undefined) this.seed = shared.seed;
    if (shared.steps !== undefined) this.steps = shared.steps;
    if (shared.guidance !== undefined) this.guidance = shared.guidance;
    if (shared.model !== undefined) this.modelId = shared.model;
    this.fromLink = Object.keys(shared) as (keyof ShareParams)[];
  }

  get share(): ShareParams {
    return {
      prompt: this.prompt,
      seed: this.seed,
      steps: this.steps,
      guidance: this.guidance,
      model: this.modelId,
    };
  }

  /** Fills the form from a clip's parameters (remix). */
  apply(params: Partial<ShareParams>): void {
    if (params.prompt !== undefined) this.prompt = params.prompt;
    if (params.seed !== undefined) this.seed = params.seed;
    if (params.steps !== undefined) this.steps = params.steps;
    if (params.guidance !== undefined) this.guidance = params.guidance;
    if (params.model) this.modelId = params.model;
  }

  /** Problems that would make the engine refuse the form, as sentences. */
  get problems(): string[] {
    const out: string[] = [];
    if (!Number.isInteger(this.seed) || this.seed < 0 || this.seed > REQUEST_LIMITS.maxSeed)
      out.push(`The seed must be a whole number from 0 to ${REQUEST_LIMITS.maxSeed}.`);
    if (!Number.isInteger(this.steps) || this.steps < 1 || this.steps > REQUEST_LIMITS.maxSteps)
      out.push(`Steps must be a whole number from 1 to ${REQUEST_LIMITS.maxSteps}.`);
    if (!Number.isFinite(this.guidance) || this.guidance < 0 || this.guidance > REQUEST_LIMITS.maxGuidance)
      out.push(`Guidance must be from 0 to ${REQUEST_LIMITS.maxGuidance}.`);
    if (this.prompt.length > REQUEST_LIMITS.maxPromptChars)
      out.push(`The prompt is longer than ${REQUEST_LIMITS.maxPromptChars} characters.`);
    return out;
  }

  decisionFor(deviceKey: string): AutoDecision | null {
    return this.decisions[deviceKey] ?? null;
  }

  /** Remembers (null: forgets) what auto measured on this device, here and in localStorage. */
  remember(deviceKey: string, decision: AutoDecision | null): void {
    const { [deviceKey]: _, ...rest } = this.decisions;
    this.decisions = decision ? { ...rest, [deviceKey]: decision } : rest;
    writeDecision(globalThis.localStorage ?? null, deviceKey, decision);
  }

  /** Writes the form to localStorage; call from an $effect so every change is kept. */
  persist(): void {
    const stored: Stored = {
      prompt: this.prompt,
      seed: this.seed,
      steps: this.steps,
      guidance: this.guidance,
      modelId: this.modelId,
      trace: this.trace,
      backend: this.backend,
    };
    try {
      localStorage.setItem(KEY, JSON.stringify(stored));
    } catch {
      // Storage full or disabled: the form still works, it is just not remembered.
    }
  }

  #restore(): void {
    let stored: Partial<Stored>;
    try {
      stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Stored>;
    } catch {
      return;
    }
    if (typeof stored.prompt === 'string') this.prompt = stored.prompt;
    if (Number.isInteger(stored.seed)) this.seed = stored.seed!;
    if (Number.isInteger(stored.steps)) this.steps = stored.steps!;
    if (typeof stored.guidance === 'number' && Number.isFinite(stored.guidance))
      this.guidance = stored.guidance;
    if (typeof stored.modelId === 'string') this.modelId = stored.modelId;
    if (typeof stored.trace === 'boolean') this.trace = stored.trace;
    if ((BACKEND_CHOICES as readonly unknown[]).includes(stored.backend)) this.backend = stored.backend!;
  }
}
