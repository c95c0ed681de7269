"""Shipped corpora: real public-domain prose of >= 30,000 characters, recorded sources, offline."""
import re
import socket
import tomllib
import unicodedata
from pathlib import Path

import pytest

import rnnlab.data.corpora as corpora
from rnnlab.data import corpus_info, list_corpora, load_lines, load_text

TEXTS = Path(corpora.__file__).parent / "texts"
REPO = Path(__file__).resolve().parents[1]


def real(language):
    infos = {name: corpus_info(name) for name in list_corpora()}
    return [n for n, info in infos.items() if info["kind"] == "real" and info["language"] == language]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_real_corpus_of_at_least_30000_characters_per_language(language):
    names = real(language)
    assert names, f"no real {language} corpus"
    for name in names:
        text = load_text(name)
        assert len(text) >= 30_000 and corpus_info(name)["characters"] == len(text)


def test_real_texts_are_what_they_claim():
    ko = load_text("ko_short_stories")
    assert ko.startswith("운수 좋은 날\n현진건\n\n새침하게 흐린 품이 눈이 올 듯하더니")
    assert "\n빈처\n현진건\n" in ko and "\n배따라기\n김동인\n" in ko
    letters = [c for c in ko if not c.isspace()]
    assert sum("\uac00" <= c <= "\ud7a3" for c in letters) / len(letters) > 0.8
    en = load_text("en_shakespeare")
    assert en.startswith("First Citizen:\nBefore we proceed any further, hear me speak.")
    assert en.isascii() and en.endswith("In praises sauced with lies.\n")


def test_every_corpus_records_title_author_source_and_licence():
    for name in list_corpora():
        info = corpus_info(name)
        for key in ("title", "author", "source", "licence", "language", "kind"):
            assert isinstance(info[key], str) and info[key], (name, key)
        if info["kind"] in ("real", "poem"):
            assert "public domain" in info["licence"].lower()
            assert "github" in info["source"].lower()


def test_sources_file_covers_every_text_and_corpus():
    sources = (TEXTS / "SOURCES.md").read_text(encoding="utf-8")
    shipped = sorted(p.name for p in TEXTS.glob("*.txt"))
    registered = sorted(c.file for c in corpora._CORPORA.values() if c.file)
    assert shipped == registered
    for name in shipped + list_corpora():
        assert name in sources, name


def test_pyproject_ships_the_texts_as_package_data():
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    patterns = package_data["rnnlab"]
    for path in TEXTS.glob("*"):
        assert any(Path("data", "texts", path.name).match(p) for p in patterns), path.name


def test_texts_are_nfc_with_unix_line_ends():
    for name in list_corpora():
        text = load_text(name)
        assert text == unicodedata.normalize("NFC", text) and "\r" not in text and text.endswith("\n")


def test_loading_needs_no_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a corpus tried to use the network")

    monkeypatch.setattr(socket, "socket", no_network)
    load_text.cache_clear()
    for name in list_corpora():
        assert load_text(name)


def test_the_poem_has_its_four_stanzas():
    poem = load_text("ko_jindallaekkot")
    stanzas = poem.strip("\n").split("\n\n")
    assert len(stanzas) == 4 and all(len(s.split("\n")) == 3 for s in stanzas)
    assert stanzas[0].startswith("나 보기가 역겨워") and stanzas[-1].endswith("흘리오리다.")


def test_teaching_texts():
    preface = load_text("ko_hunminjeongeum_preface")
    assert 35 <= len(preface.split()) <= 50 and "스물여덟" in preface
    assert len(load_lines("ko_three_sentences")) == 3


@pytest.mark.parametrize("name, source, low, high", [
    ("sentences_ko", "ko_short_stories", 8, 60),
    ("sentences_en", "en_shakespeare", 15, 60),
])
def test_derived_sentence_corpora(name, source, low, high):
    lines = load_lines(name)
    assert len(lines) >= 300 and len(set(lines)) == len(lines)
    text = load_text(source)
    assert all(low <= len(line) <= high and line in text for line in lines)
    assert not any(re.fullmatch(r"[A-Za-z ]+:", line) for line in lines)


def test_unknown_names_list_the_available_ones():
    expected = r"unknown corpus 'en_shakspeare'\. Did you mean 'en_shakespeare'\?"
    with pytest.raises(ValueError, match=expected) as info:
        load_text("en_shakspeare")
    for name in list_corpora():
        assert name in str(info.value)
    with pytest.raises(ValueError, match="Available: en_shakespeare"):
        corpus_info("nope")
    with pytest.raises(TypeError, match="name: expected a corpus name"):
        load_text(3)
