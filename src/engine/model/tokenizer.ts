// Prompt → token ids, as training/tessera/tokenizer.py:
// 0 = <pad>, 1 = <null> (the unconditional prompt), 2 + i = vocabulary[i].

import type { TextConfig } from './config.ts';

export const PAD_TOKEN = 0;
export const NULL_TOKEN = 1;

export class UnknownWordsError extends Error {
  override readonly name = 'UnknownWordsError';
  readonly words: readonly string[];
  constructor(words: string[], vocabulary: readonly string[]) {
    const list = words.map((w) => `'${w}'`).join(', ');
    super(`unknown word${words.length > 1 ? 's' : ''} ${list}; the model knows: ${vocabulary.join(' ')}`);
    this.words = words;
  }
}

/** Lowercase runs of a-z; everything else separates words. */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(/[a-z]+/g) ?? [];
}

/** Ids padded with <pad> (or truncated) to maxTokens; every unknown word is named. */
export function tokenize(text: string, config: TextConfig): Int32Array {
  const index = new Map(config.vocabulary.map((w, i) => [w, i + 2] as const));
  const words = splitWords(text);
  const unknown = [...new Set(words.filter((w) => !index.has(w)))];
  if (unknown.length > 0) throw new UnknownWordsError(unknown, config.vocabulary);
  const ids = new Int32Array(config.maxTokens);
  words.slice(0, config.maxTokens).forEach((w, i) => (ids[i] = index.get(w)!));
  return ids;
}

/** The unconditional prompt used by classifier-free guidance. */
export function nullTokens(maxTokens: number): Int32Array {
  const ids = new Int32Array(maxTokens);
  ids[0] = NULL_TOKEN;
  return ids;
}
