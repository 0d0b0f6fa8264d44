"""Prompt → token ids: 0 = <pad>, 1 = <null> (unconditional), 2 + i = vocabulary[i]."""

from __future__ import annotations

import re
from typing import List, Sequence

PAD = 0
NULL = 1
_WORDS = re.compile("[a-z]+")


class UnknownWordsError(ValueError):
    def __init__(self, words: List[str], vocabulary: Sequence[str]):
        super().__init__(f"unknown word{'s' if len(words) > 1 else ''} "
                         f"{', '.join(repr(w) for w in words)}; the model knows: "
                         f"{' '.join(vocabulary)}")
        self.words = words


def split_words(text: str) -> List[str]:
    return _WORDS.findall(text.lower())


def tokenize(text: str, vocabulary: Sequence[str], max_tokens: int) -> List[int]:
    """Ids padded with <pad> (or truncated) to max_tokens; unknown words raise, all named."""
    index = {w: i + 2 for i, w in enumerate(vocabulary)}
    words = split_words(text)
    unknown = list(dict.fromkeys(w for w in words if w not in index))
    if unknown:
        raise UnknownWordsError(unknown, vocabulary)
    ids = [index[w] for w in words][:max_tokens]
    return ids + [PAD] * (max_tokens - len(ids))


def null_tokens(max_tokens: int) -> List[int]:
    """The unconditional prompt used by classifier-free guidance."""
    return [NULL] + [PAD] * (max_tokens - 1)
