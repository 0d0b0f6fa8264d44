// The prompt as the model reads it: lowercase runs of a-z, each either in the vocabulary or not.

export interface PromptWord {
  word: string;
  known: boolean;
}

export interface PromptAnalysis {
  words: PromptWord[];
  unknown: string[];
  /** The word being typed at the end of the text ('' after a separator). */
  partial: string;
  /** Vocabulary words that complete `partial`, or, when none do, every word the model knows. */
  suggestions: string[];
  /** Whether `suggestions` are completions of `partial`. */
  completing: boolean;
}

export function analysePrompt(
  text: string,
  vocabulary: readonly string[],
  maxSuggestions = 40,
): PromptAnalysis {
  const known = new Set(vocabulary);
  const raw = text.toLowerCase().match(/[a-z]+/g) ?? [];
  const words = raw.map((word) => ({ word, known: known.has(word) }));
  const partialMatch = /[a-z]+$/i.exec(text);
  const partial = partialMatch ? partialMatch[0].toLowerCase() : '';
  // A word still being typed is not yet unknown if it can be completed.
  const completing = partial !== '' && vocabulary.some((w) => w.startsWith(partial) && w !== partial);
  const unknown = [
    ...new Set(
      words.filter((w, i) => !w.known && !(completing && i === words.length - 1)).map((w) => w.word),
    ),
  ];
  // Completions of the word being typed; otherwise every word the model knows, to pick from.
  const completions = partial === '' ? [] : vocabulary.filter((w) => w.startsWith(partial) && w !== partial);
  const suggestions = (completions.length > 0 ? completions : [...vocabulary]).slice(0, maxSuggestions);
  return { words, unknown, partial, suggestions, completing: completions.length > 0 };
}

/** Completes the trailing partial word with `word`, or appends `word` when it does not continue it. */
export function completeWord(text: string, word: string): string {
  const partial = /[a-z]+$/i.exec(text)?.[0] ?? '';
  if (partial && word.startsWith(partial.toLowerCase())) return text.slice(0, -partial.length) + word + ' ';
  return text + (text === '' || /\s$/.test(text) ? '' : ' ') + word + ' ';
}
