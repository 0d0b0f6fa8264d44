// A generation request is checked once, here, against the protocol's limits and the model.
import type { ModelConfig } from './model/config.ts';
import { tokenize } from './model/tokenizer.ts';
import { BACKEND_CHOICES, PREVIEW_KINDS, REQUEST_LIMITS, type GenerationRequest } from './protocol.ts';

export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
}

/** A request that passed validation, with its prompt already tokenized. */
export interface ValidRequest extends GenerationRequest {
  tokens: Int32Array;
  contextFrames: number;
}

function fail(message: string): never {
  throw new InvalidRequestError(message);
}

/** Throws InvalidRequestError unless `backend` is absent or one of BACKEND_CHOICES. */
export function checkBackend(backend: unknown): void {
  if (backend !== undefined && !(BACKEND_CHOICES as readonly unknown[]).includes(backend)) {
    fail(
      `backend must be one of ${BACKEND_CHOICES.join(', ')}, got ${JSON.stringify(backend) ?? String(backend)}`,
    );
  }
}

export function validateRequest(request: GenerationRequest, config: ModelConfig): ValidRequest {
  const { seed, steps, guidance, prompt, context, preview = 'x0' } = request;
  if (request.modelId !== config.id) {
    fail(`model "${request.modelId}" is not loaded (loaded: "${config.id}")`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > REQUEST_LIMITS.maxSeed) {
    fail(`seed must be an integer from 0 to ${REQUEST_LIMITS.maxSeed}, got ${seed}`);
  }
  if (!Number.isInteger(steps) || steps < 1 || steps > REQUEST_LIMITS.maxSteps) {
    fail(`steps must be an integer from 1 to ${REQUEST_LIMITS.maxSteps}, got ${steps}`);
  }
  if (!Number.isFinite(guidance) || guidance < 0 || guidance > REQUEST_LIMITS.maxGuidance) {
    fail(`guidance must be a number from 0 to ${REQUEST_LIMITS.maxGuidance}, got ${guidance}`);
  }
  if (typeof prompt !== 'string' || prompt.length > REQUEST_LIMITS.maxPromptChars) {
    fail(`prompt must be text of at most ${REQUEST_LIMITS.maxPromptChars} characters`);
  }
  if (!(PREVIEW_KINDS as readonly string[]).includes(preview)) {
    fail(`preview must be one of ${PREVIEW_KINDS.join(', ')}, got ${String(preview)}`);
  }
  checkBackend(request.backend);
  let contextFrames = 0;
  if (context) {
    const max = config.context.maxFrames;
    if (max === 0) fail(`model "${config.id}" does not continue clips (it takes no context frames)`);
    if (context.width !== config.width || context.height !== config.height) {
      fail(
        `context frames are ${context.width}x${context.height}, the model needs ${config.width}x${config.height}`,
      );
    }
    if (!Number.isInteger(context.frameCount) || context.frameCount < 1 || context.frameCount > max) {
      fail(`context must have 1 to ${max} frames, got ${context.frameCount}`);
    }
    const bytes = context.frameCount * context.width * context.height * 4;
    if (context.rgba.length !== bytes) {
      fail(`context holds ${context.rgba.length} bytes, ${context.frameCount} RGBA frames need ${bytes}`);
    }
    contextFrames = context.frameCount;
  }
  let tokens: Int32Array;
  try {
    tokens = tokenize(prompt, config.text);
  } catch (error) {
    fail((error as Error).message);
  }
  return { ...request, preview, tokens, contextFrames };
}
