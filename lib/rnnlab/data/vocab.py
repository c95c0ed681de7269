"""The vocabulary: a fixed, reproducible mapping between tokens and integer ids.

Order (decided once, so that the same text always gives the same ids)
    1. the special tokens, in the order given (default ``<pad>`` = 0, ``<unk>`` = 1,
       ``<bos>`` = 2, ``<eos>`` = 3), so padding is always id 0;
    2. the other tokens by decreasing frequency, ties broken by the token string (code point
       order).

    Frequency first puts the common tokens at small ids, which makes embeddings and sampled
    ids easy to read; the tie-break by the string makes the order a function of the token
    *counts* only, so shuffling the input or Python's string hashing (which changes ``set()``
    order between runs) can never change an id.
"""
from __future__ import annotations

import difflib
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from .._validate import check_array, check_bool, check_positive_int
from .tokenizers import check_tokens

__all__ = ["Vocab", "UnknownTokenError", "DEFAULT_SPECIALS"]

DEFAULT_SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")


class UnknownTokenError(ValueError):
    """A token that is not in the vocabulary was encoded without ``allow_unk=True``."""


class Vocab:
    """Tokens <-> ids. Build with ``Vocab.build(tokens)``; the constructor takes the final order.

    Args:
        tokens: every token in id order (specials included), no duplicates.
        specials: the special tokens among ``tokens``.
    """

    def __init__(self, tokens: Sequence[str], specials: Sequence[str] = DEFAULT_SPECIALS):
        tokens = check_tokens("tokens", tokens)
        specials = check_tokens("specials", specials)
        if not tokens:
            raise ValueError("tokens: a vocabulary needs at least one token")
        duplicates = sorted(t for t, c in Counter(tokens).items() if c > 1)
        if duplicates:
            raise ValueError(f"tokens: each token must appear once, got duplicates {duplicates[:5]}")
        known = set(tokens)
        missing = [s for s in specials if s not in known]
        if missing:
            raise ValueError(f"specials: {missing} are not among the tokens")
        self._itos: tuple[str, ...] = tuple(tokens)
        self._stoi: dict[str, int] = {t: i for i, t in enumerate(self._itos)}
        self.specials: tuple[str, ...] = tuple(specials)

    @classmethod
    def build(
        cls,
        tokens: Iterable[str],
        *,
        specials: Sequence[str] = DEFAULT_SPECIALS,
        min_freq: int = 1,
    ) -> "Vocab":
        """Build a vocabulary from a token stream (see the module docstring for the order).

        Args:
            tokens: the tokens of a corpus, e.g. ``CharTokenizer().tokenize(text)``.
            specials: special tokens placed first; ``()`` for none.
            min_freq: tokens seen fewer times are left out (they encode to ``<unk>``).

        Raises:
            ValueError: no tokens (empty text), or no token reaches ``min_freq``.
        """
        tokens = check_tokens("tokens", tokens)
        specials = check_tokens("specials", specials)
        min_freq = check_positive_int("min_freq", min_freq)
        if not tokens:
            raise ValueError("tokens: cannot build a vocabulary from no tokens (was the text empty?)")
        reserved = set(specials)
        counts = Counter(t for t in tokens if t not in reserved)
        kept = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        if not kept:
            raise ValueError(
                f"min_freq: no token occurs {min_freq} times or more "
                f"(the most frequent occurs {max(counts.values(), default=0)} times)"
            )
        return cls(list(specials) + kept, specials)

    # ---------------------------------------------------------------- lookups
    def __len__(self) -> int:
        return len(self._itos)

    def __contains__(self, token) -> bool:
        return token in self._stoi

    def __getitem__(self, token: str) -> int:
        """The id of one token; an unknown token raises ``UnknownTokenError``."""
        if token not in self._stoi:
            raise UnknownTokenError(self._unknown_message(token, None))
        return self._stoi[token]

    def __eq__(self, other) -> bool:
        return isinstance(other, Vocab) and (self._itos, self.specials) == (other._itos, other.specials)

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self._itos[:8])
        return f"Vocab(V={len(self)}: {head}{', ...' if len(self) > 8 else ''})"

    @property
    def tokens(self) -> tuple[str, ...]:
        """All tokens in id order."""
        return self._itos

    def _special_id(self, token: str) -> int:
        if token not in self._stoi:
            raise ValueError(f"this vocabulary has no {token} token (specials: {list(self.specials)})")
        return self._stoi[token]

    @property
    def pad_id(self) -> int:
        """The id of ``<pad>``, the padding token (an error if there is none)."""
        return self._special_id("<pad>")

    @property
    def unk_id(self) -> int:
        """The id of ``<unk>``, which stands for unknown tokens (an error if there is none)."""
        return self._special_id("<unk>")

    @property
    def bos_id(self) -> int:
        """The id of ``<bos>``, the start-of-sequence token (an error if there is none)."""
        return self._special_id("<bos>")

    @property
    def eos_id(self) -> int:
        """The id of ``<eos>``, the end-of-sequence token (an error if there is none)."""
        return self._special_id("<eos>")

    # ---------------------------------------------------------------- encode / decode
    def encode(self, tokens: Iterable[str], *, allow_unk: bool = False) -> np.ndarray:
        """Tokens -> ids of shape (T,), dtype int64.

        Args:
            tokens: a list of tokens (tokenize the text first).
            allow_unk: map unknown tokens to ``<unk>`` instead of raising.

        Raises:
            UnknownTokenError: a token is not in the vocabulary; the message names it, its
                position, the closest known tokens and the ``allow_unk`` option.
        """
        if isinstance(tokens, str):
            raise TypeError(
                "tokens: expected a list of tokens, got a str; tokenize the text first, "
                "e.g. vocab.encode(CharTokenizer().tokenize(text))"
            )
        tokens = check_tokens("tokens", tokens)
        unk = self.unk_id if check_bool("allow_unk", allow_unk) else None
        ids = np.empty(len(tokens), dtype=np.int64)
        for i, tok in enumerate(tokens):
            found = self._stoi.get(tok, unk)
            if found is None:
                raise UnknownTokenError(self._unknown_message(tok, i))
            ids[i] = found
        return ids

    def decode(self, ids, *, skip_specials: bool = False) -> list[str]:
        """Ids of shape (T,) (an integer array or a list of ints) -> tokens."""
        ids = np.asarray(ids) if isinstance(ids, (list, tuple)) else ids
        if isinstance(ids, np.ndarray) and ids.size == 0:
            ids = ids.astype(np.int64)
        check_array("ids", ids, "T", kind="int")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            bad = int(ids[(ids < 0) | (ids >= len(self))][0])
            raise ValueError(f"ids: expected token ids in [0, V) with V={len(self)}, got {bad}")
        skip = set(self.specials) if check_bool("skip_specials", skip_specials) else set()
        return [self._itos[i] for i in ids.tolist() if self._itos[i] not in skip]

    def _unknown_message(self, token: str, position: int | None) -> str:
        where = f" at position {position}" if position is not None else ""
        close = difflib.get_close_matches(token, [t for t in self._itos if t not in self.specials], n=3)
        hint = f" Close tokens: {', '.join(map(repr, close))}." if close else ""
        fix = (
            " Pass allow_unk=True to encode it as '<unk>'."
            if "<unk>" in self._stoi
            else " This vocabulary has no '<unk>' token: rebuild it with '<unk>' among the specials."
        )
        return f"tokens: {token!r}{where} is not in the vocabulary (V={len(self)}).{hint}{fix}"

    # ---------------------------------------------------------------- checkpoints
    def to_dict(self) -> dict:
        """A JSON-ready description: ``{"tokens": [...], "specials": [...]}``."""
        return {"tokens": list(self._itos), "specials": list(self.specials)}

    @classmethod
    def from_dict(cls, data: dict) -> "Vocab":
        """Rebuild the exact vocabulary that ``to_dict`` described."""
        if not isinstance(data, dict) or "tokens" not in data or "specials" not in data:
            keys = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"data: expected a dict with keys 'tokens' and 'specials', got {keys}")
        tokens = check_tokens("data['tokens']", data["tokens"])
        specials = check_tokens("data['specials']", data["specials"])
        return cls(tokens, specials)

