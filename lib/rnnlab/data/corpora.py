"""Texts shipped inside the package, so every chapter runs offline.

Three kinds of corpus (``corpus_info(name)["kind"]``):

``"real"``
    real prose of tens of thousands of characters, public domain, with its source and
    licence recorded here and in ``texts/SOURCES.md``: ``ko_short_stories`` (three Korean short
    stories of 1921-1924) and ``en_shakespeare`` (the opening of *Coriolanus*).
``"poem"``
    a short public-domain poem for character-window demos: ``ko_jindallaekkot``.
``"teaching"``
    short texts written by this project for the chapters: ``ko_hunminjeongeum_preface`` (a
    modern rendering, in our own words, of the 1446 preface) and ``ko_three_sentences``.
``"derived"``
    one sentence (or verse line) per line, cut from a real corpus by ``_sentences`` /
    ``_verse_lines`` below: ``sentences_ko`` and ``sentences_en``.

``load_text(name)`` returns the text (NFC, ``\\n`` line ends); ``load_lines(name)`` its
non-empty lines; ``list_corpora()`` the names; ``corpus_info(name)`` the record below plus the
number of characters.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["load_text", "load_lines", "list_corpora", "corpus_info"]

_PUBLIC_DOMAIN_KO = (
    "Public domain: the authors died in 1943 (Hyun Jin-geon) and 1951 (Kim Dong-in); Korean "
    "copyright (life + 50 years for authors who died before 1963) has expired, and the works "
    "were published before 1930 (public domain in the US). Digital transcription from Korean "
    "Wikisource (contributors' edits under CC BY-SA 4.0); redistributed with this attribution."
)


@dataclass(frozen=True)
class _Corpus:
    name: str
    title: str
    author: str
    language: str
    kind: str
    source: str
    licence: str
    file: str | None = None  # a file in texts/, or None for a derived corpus
    derived_from: str | None = None


_CORPORA = {
    c.name: c
    for c in (
        _Corpus(
            name="ko_short_stories",
            title=(
                "운수 좋은 날 (A Lucky Day, 1924); 빈처 (The Poor Wife, 1921); "
                "배따라기 (Baettaragi, 1921)"
            ),
            author="현진건 Hyun Jin-geon (1900-1943); 김동인 Kim Dong-in (1900-1951)",
            language="ko",
            kind="real",
            source=(
                "First published in 개벽 (June 1924; January 1921) and 창조 (May 1921). Text of "
                "Korean Wikisource pages 운수 좋은 날 (revision 457472), 빈처 (250704) and "
                "배따라기 (250693), read from the public GitHub repository "
                "annoyingtrash123-design/Korean-Dictionary, files pipeline/texts/raw/"
                "unsu_joeun_nal.json, bicheo.json, baettaragi.json (wikitext field). Wiki markup "
                "and section ornaments removed; one paragraph per line; a title and author line "
                "before each story; NFC."
            ),
            licence=_PUBLIC_DOMAIN_KO,
            file="ko_short_stories.txt",
        ),
        _Corpus(
            name="en_shakespeare",
            title="Coriolanus, Act I (opening scenes), as in the 'tinyshakespeare' selection",
            author="William Shakespeare (1564-1616)",
            language="en",
            kind="real",
            source=(
                "The first 31,742 characters of data/tinyshakespeare/input.txt in the public "
                "GitHub repository karpathy/char-rnn (the selection of Shakespeare's plays widely "
                "used for character-level models), cut at the end of a speech; unchanged otherwise."
            ),
            licence="Public domain (Shakespeare's plays, first printed in the 1623 First Folio).",
            file="en_shakespeare.txt",
        ),
        _Corpus(
            name="ko_jindallaekkot",
            title="진달래꽃 (Azaleas), in modern spelling",
            author="김소월 Kim So-wol (1902-1934)",
            language="ko",
            kind="poem",
            source=(
                "First published in 개벽 (July 1922), collected in 진달래꽃 (1925). The modern-"
                "spelling column of the Korean Wikisource page 진달래꽃 (시집)/진달래꽃 (revision "
                "430575), read from the public GitHub repository annoyingtrash123-design/"
                "Korean-Dictionary, file pipeline/texts/raw/jindallaekkot.json (wikitext field); "
                "title line and markup removed."
            ),
            licence=(
                "Public domain: the poet died in 1934, so the Korean term has expired, and the poem "
                "was published before 1930. Modern-spelling transcription from Korean Wikisource "
                "(CC BY-SA 4.0); redistributed with this attribution."
            ),
            file="ko_jindallaekkot.txt",
        ),
        _Corpus(
            name="ko_hunminjeongeum_preface",
            title="훈민정음 서문 (a modern Korean rendering)",
            author="rnnlab authors, after King Sejong's preface to Hunminjeongeum (1446)",
            language="ko",
            kind="teaching",
            source="Written for this course in its own words from the public-domain 1446 original.",
            licence="MIT, as the rest of rnnlab (the 1446 original is in the public domain).",
            file="ko_hunminjeongeum_preface.txt",
        ),
        _Corpus(
            name="ko_three_sentences",
            title="Three short Korean sentences for the word-level many-to-one demo",
            author="rnnlab authors",
            language="ko",
            kind="teaching",
            source=(
                "Written for this course; words repeat across the sentences so that there is "
                "something to learn."
            ),
            licence="MIT, as the rest of rnnlab.",
            file="ko_three_sentences.txt",
        ),
        _Corpus(
            name="sentences_ko",
            title="Korean sentences, one per line",
            author="현진건; 김동인 (see ko_short_stories)",
            language="ko",
            kind="derived",
            source="Sentences of 8 to 60 characters cut from ko_short_stories (first occurrence kept).",
            licence=_PUBLIC_DOMAIN_KO,
            derived_from="ko_short_stories",
        ),
        _Corpus(
            name="sentences_en",
            title="English verse lines, one per line",
            author="William Shakespeare (see en_shakespeare)",
            language="en",
            kind="derived",
            source=(
                "Lines of 15 to 60 characters from en_shakespeare, speaker names left out "
                "(first occurrence kept)."
            ),
            licence="Public domain.",
            derived_from="en_shakespeare",
        ),
    )
}


def list_corpora() -> list[str]:
    """The names ``load_text`` accepts, sorted."""
    return sorted(_CORPORA)


def _spec(name) -> _Corpus:
    if not isinstance(name, str):
        raise TypeError(f"name: expected a corpus name (str), got {type(name).__name__}")
    if name not in _CORPORA:
        close = difflib.get_close_matches(name, list(_CORPORA), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"name: unknown corpus {name!r}.{hint} Available: {', '.join(list_corpora())}")
    return _CORPORA[name]


@lru_cache(maxsize=None)
def load_text(name: str) -> str:
    """The text of a shipped corpus (NFC, ``\\n`` line ends, ending in a newline). No network."""
    spec = _spec(name)
    if spec.derived_from is not None:
        lines = _DERIVE[spec.name](load_text(spec.derived_from))
        return "\n".join(lines) + "\n"
    raw = resources.files(__package__).joinpath("texts", spec.file).read_text(encoding="utf-8")
    return unicodedata.normalize("NFC", raw.replace("\r\n", "\n"))


def load_lines(name: str) -> list[str]:
    """The non-empty lines of a corpus (for the sentence corpora: one sentence each)."""
    return [line for line in load_text(name).split("\n") if line.strip()]


def corpus_info(name: str) -> dict:
    """Title, author, language, kind, source, licence and size (``characters``) of a corpus."""
    info = asdict(_spec(name))
    info.pop("file")
    info["characters"] = len(load_text(name))
    return info


def _sentences(text: str) -> list[str]:
    """Korean prose -> sentences of 8..60 characters that contain Hangul, first occurrence kept.

    A sentence ends at ``.``, ``?`` or ``!`` followed by whitespace; short fragments (titles,
    interjections) and long periods are left out so that the lines suit a character model.
    """
    kept: dict[str, None] = {}  # a dict keeps first-seen order and drops repeats
    for paragraph in text.split("\n"):
        for sentence in re.split(r"(?<=[.?!])\s+", paragraph.strip()):
            if 8 <= len(sentence) <= 60 and re.search("[\uac00-\ud7a3]", sentence):
                kept.setdefault(sentence, None)
    return list(kept)


def _verse_lines(text: str) -> list[str]:
    """A play -> its lines of 15..60 characters, speaker headings (``NAME:``) left out."""
    kept: dict[str, None] = {}
    for line in text.split("\n"):
        line = line.strip()
        if 15 <= len(line) <= 60 and not line.endswith(":"):
            kept.setdefault(line, None)
    return list(kept)


_DERIVE = {"sentences_ko": _sentences, "sentences_en": _verse_lines}
