"""Tokenizers: text -> list of string tokens -> text.

Four ways to cut text into the units a language model predicts:

``CharTokenizer``
    one token per Unicode code point; ``detokenize(tokenize(s)) == s`` for every string.
``WordTokenizer``
    whitespace-separated words, optionally keeping only Hangul or letters (the way the
    word-level source notebooks stripped their text); joins words with single spaces.
``SyllableTokenizer``
    one token per Hangul syllable, whether stored precomposed (U+AC00..U+D7A3) or spelled
    as a conjoining jamo sequence; every other character is its own token. Exact round trip.
``JamoTokenizer``
    splits each precomposed syllable into its leading consonant, vowel and optional trailing
    consonant with Unicode arithmetic, so a 11,172-syllable alphabet becomes 19 + 21 + 27
    jamo. Exact round trip for *every* string (see ``JamoTokenizer`` for how jamo that were
    already in the text are kept apart from jamo made by decomposition).

Tokenizers never fail on empty text (they return ``[]``); the functions that need tokens
(``Vocab.build``, the batching functions) reject an empty token list with a clear message.
"""
from __future__ import annotations

from typing import Iterable

__all__ = [
    "CharTokenizer",
    "WordTokenizer",
    "SyllableTokenizer",
    "JamoTokenizer",
    "is_hangul_syllable",
    "decompose_syllable",
    "compose_syllable",
]

# The Hangul syllable block is laid out as an arithmetic table (Unicode ch. 3.12):
# syllable = SBASE + (L * VCOUNT + V) * TCOUNT + T, with T = 0 meaning "no final consonant".
SBASE, LBASE, VBASE, TBASE = 0xAC00, 0x1100, 0x1161, 0x11A7
LCOUNT, VCOUNT, TCOUNT = 19, 21, 28
SCOUNT = LCOUNT * VCOUNT * TCOUNT  # 11,172 syllables, U+AC00..U+D7A3

# Conjoining jamo (U+1100..U+11FF) are what decomposition produces; the same characters
# found in the input are escaped with this prefix so detokenize never composes them.
JAMO_ESCAPE = "\\"


def _check_text(text) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    return text


def check_tokens(name: str, tokens) -> list[str]:
    """A list of str tokens (any iterable of str), or a TypeError naming the first bad element.

    A single ``str`` is rejected: it is almost always untokenized text passed by mistake.
    """
    if isinstance(tokens, str):
        raise TypeError(
            f"{name}: expected a list of str tokens, got a single str; "
            "pass the list that tokenize() returned"
        )
    if isinstance(tokens, (bytes, dict)) or not hasattr(tokens, "__iter__"):
        raise TypeError(f"{name}: expected a list of str tokens, got {type(tokens).__name__}")
    tokens = list(tokens)
    for i, tok in enumerate(tokens):
        if not isinstance(tok, str):
            raise TypeError(f"{name}[{i}]: expected a str token, got {type(tok).__name__}")
    return tokens


def is_hangul_syllable(ch: str) -> bool:
    """True for a precomposed Hangul syllable (U+AC00..U+D7A3)."""
    if not isinstance(ch, str):
        raise TypeError(f"ch: expected a str (one character), got {type(ch).__name__}")
    return len(ch) == 1 and 0 <= ord(ch) - SBASE < SCOUNT


def _is_leading(ch: str) -> bool:
    return len(ch) == 1 and 0 <= ord(ch) - LBASE < LCOUNT


def _is_vowel(ch: str) -> bool:
    return len(ch) == 1 and 0 <= ord(ch) - VBASE < VCOUNT


def _is_trailing(ch: str) -> bool:
    return len(ch) == 1 and 0 < ord(ch) - TBASE < TCOUNT


def _is_conjoining_jamo(ch: str) -> bool:
    return 0x1100 <= ord(ch) <= 0x11FF


def decompose_syllable(ch: str) -> tuple[str, ...]:
    """Split one Hangul syllable into conjoining jamo: (L, V) or (L, V, T).

    Example: ``decompose_syllable("한") == ("\\u1112", "\\u1161", "\\u11ab")`` (ᄒ ᅡ ᆫ).
    """
    if not is_hangul_syllable(ch):
        raise ValueError(f"ch: expected one Hangul syllable U+AC00..U+D7A3, got {ch!r}")
    index = ord(ch) - SBASE
    lead, rest = divmod(index, VCOUNT * TCOUNT)
    vowel, trail = divmod(rest, TCOUNT)
    jamo = (chr(LBASE + lead), chr(VBASE + vowel))
    return jamo + ((chr(TBASE + trail),) if trail else ())


def compose_syllable(lead: str, vowel: str, trail: str | None = None) -> str:
    """Inverse of ``decompose_syllable``: conjoining jamo L, V and optional T -> one syllable."""
    for name, value in (("lead", lead), ("vowel", vowel), ("trail", trail)):
        if not isinstance(value, str) and not (name == "trail" and value is None):
            raise TypeError(f"{name}: expected a str (one conjoining jamo), got {type(value).__name__}")
    if not (_is_leading(lead) and _is_vowel(vowel)) or (trail is not None and not _is_trailing(trail)):
        raise ValueError(
            "expected a leading consonant U+1100..U+1112, a vowel U+1161..U+1175 and an "
            f"optional trailing consonant U+11A8..U+11C2, got {(lead, vowel, trail)!r}"
        )
    t = ord(trail) - TBASE if trail is not None else 0
    return chr(SBASE + ((ord(lead) - LBASE) * VCOUNT + ord(vowel) - VBASE) * TCOUNT + t)


class CharTokenizer:
    """One token per Unicode code point (so one per Hangul syllable in NFC text)."""

    def tokenize(self, text: str) -> list[str]:
        """``"안녕"`` -> ``["안", "녕"]``."""
        return list(_check_text(text))

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Concatenate the tokens: the exact inverse of ``tokenize``."""
        return "".join(check_tokens("tokens", tokens))

    def __repr__(self) -> str:
        return "CharTokenizer()"


class WordTokenizer:
    """Whitespace-separated words.

    Args:
        keep: which characters survive before splitting. ``"all"`` keeps everything;
            ``"hangul"`` keeps only Hangul syllables (what the word-level source notebooks
            did to their passage, dropping punctuation, digits and Latin letters);
            ``"letters"`` keeps every letter of any script (``str.isalpha``).
            Whitespace always survives, since it separates the words.

    ``detokenize`` joins words with one space, so the round trip is exact for text whose
    words are separated by single spaces and which loses nothing under ``keep``:
    ``detokenize(tokenize(s)) == " ".join(s.split())`` with ``keep="all"``.
    """

    KEEP = ("all", "hangul", "letters")

    def __init__(self, keep: str = "all"):
        if keep not in self.KEEP:
            raise ValueError(f"keep: expected one of {self.KEEP}, got {keep!r}")
        self.keep = keep

    def _keeps(self, ch: str) -> bool:
        if ch.isspace() or self.keep == "all":
            return True
        if self.keep == "hangul":
            return is_hangul_syllable(ch)
        return ch.isalpha()

    def tokenize(self, text: str) -> list[str]:
        """``"나라의 말이, 달라"`` -> ``["나라의", "말이,", "달라"]`` (``keep="all"``)."""
        kept = "".join(ch for ch in _check_text(text) if self._keeps(ch))
        return kept.split()

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Join the words with single spaces."""
        return " ".join(check_tokens("tokens", tokens))

    def __repr__(self) -> str:
        return f"WordTokenizer(keep={self.keep!r})"


class SyllableTokenizer:
    """One token per Hangul syllable; every other character is a token of its own.

    A syllable counts as one token in both spellings Unicode allows: precomposed
    (``"한"``, U+D55C, what NFC text uses) or as a conjoining jamo sequence
    (``"\\u1112\\u1161\\u11ab"``, what NFD text uses). The tokens are substrings of the text, so
    ``detokenize(tokenize(s)) == s`` for every string.
    """

    def tokenize(self, text: str) -> list[str]:
        """``"한글 ok"`` -> ``["한", "글", " ", "o", "k"]``."""
        text = _check_text(text)
        tokens, i = [], 0
        while i < len(text):
            size = _conjoining_syllable_length(text, i)
            tokens.append(text[i:i + size])
            i += size
        return tokens

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Concatenate the tokens: the exact inverse of ``tokenize``."""
        return "".join(check_tokens("tokens", tokens))

    def __repr__(self) -> str:
        return "SyllableTokenizer()"


def _conjoining_syllable_length(text: str, i: int) -> int:
    """3 or 2 when ``text[i:]`` starts with conjoining L V T or L V (a syllable in NFD), else 1."""
    if i + 1 < len(text) and _is_leading(text[i]) and _is_vowel(text[i + 1]):
        return 3 if i + 2 < len(text) and _is_trailing(text[i + 2]) else 2
    return 1


class JamoTokenizer:
    """Hangul syllables split into jamo; every other character is a token of its own.

    ``tokenize("한a")`` gives ``["\\u1112", "\\u1161", "\\u11ab", "a"]`` (ᄒ ᅡ ᆫ a): each
    precomposed syllable becomes its leading consonant, vowel and (if any) trailing consonant
    as conjoining jamo (U+1100..U+11FF), computed with the arithmetic of the Unicode standard.
    ``detokenize`` composes every leading-vowel(-trailing) run back into one syllable.

    Why the round trip is exact for every string: conjoining jamo that were *already* in the
    text (NFD text, old Hangul) would otherwise be composed on the way back. They are emitted
    as two-character tokens ``JAMO_ESCAPE + jamo`` (``"\\\\ᄒ"``) which ``detokenize`` writes out
    unchanged. Compatibility jamo (ㄱ ㅏ, U+3130..U+318F) never collide with decomposition
    output, so they stay single tokens. Hence ``detokenize(tokenize(s)) == s``.
    """

    def tokenize(self, text: str) -> list[str]:
        """Syllables -> L, V (, T) jamo tokens; input jamo -> escaped tokens; the rest as is."""
        tokens: list[str] = []
        for ch in _check_text(text):
            if is_hangul_syllable(ch):
                tokens.extend(decompose_syllable(ch))
            elif _is_conjoining_jamo(ch):
                tokens.append(JAMO_ESCAPE + ch)
            else:
                tokens.append(ch)
        return tokens

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Compose L V (T) runs into syllables; unescape literal jamo; keep everything else.

        Any token list is accepted (a model may generate a vowel without a consonant): tokens
        that do not form a syllable are written out as they are.
        """
        tokens = check_tokens("tokens", tokens)
        out, i = [], 0
        while i < len(tokens):
            tok = tokens[i]
            if len(tok) == 2 and tok[0] == JAMO_ESCAPE and _is_conjoining_jamo(tok[1]):
                out.append(tok[1])
                i += 1
            elif i + 1 < len(tokens) and _is_leading(tok) and _is_vowel(tokens[i + 1]):
                has_trail = i + 2 < len(tokens) and _is_trailing(tokens[i + 2])
                out.append(compose_syllable(tok, tokens[i + 1], tokens[i + 2] if has_trail else None))
                i += 3 if has_trail else 2
            else:
                out.append(tok)
                i += 1
        return "".join(out)

    def __repr__(self) -> str:
        return "JamoTokenizer()"
