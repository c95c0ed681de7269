"""Tokenizers: exact round trips (property-based, Hangul included) and hand-checked splits."""
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab.data import (
    CharTokenizer,
    JamoTokenizer,
    SyllableTokenizer,
    WordTokenizer,
    compose_syllable,
    decompose_syllable,
    is_hangul_syllable,
)

SYLLABLES = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
CONJOINING_JAMO = st.characters(min_codepoint=0x1100, max_codepoint=0x11FF)
COMPATIBILITY_JAMO = st.characters(min_codepoint=0x3131, max_codepoint=0x318E)
# Korean-heavy text that also holds jamo of both kinds, the escape character and ASCII.
KOREAN_MIX = st.text(
    alphabet=st.one_of(SYLLABLES, CONJOINING_JAMO, COMPATIBILITY_JAMO, st.sampled_from(" \\.,a\n")),
    max_size=40,
)
ANY_TEXT = st.one_of(st.text(), KOREAN_MIX)
ROUND_TRIP = [CharTokenizer(), SyllableTokenizer(), JamoTokenizer()]


@pytest.mark.parametrize("tokenizer", ROUND_TRIP, ids=repr)
@settings(max_examples=100, deadline=None)
@given(text=ANY_TEXT)
def test_detokenize_inverts_tokenize_for_every_string(tokenizer, text):
    assert tokenizer.detokenize(tokenizer.tokenize(text)) == text


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=SYLLABLES, max_size=30))
def test_nfd_text_round_trips_through_jamo_and_syllables(text):
    nfd = unicodedata.normalize("NFD", text)
    for tokenizer in (JamoTokenizer(), SyllableTokenizer()):
        assert tokenizer.detokenize(tokenizer.tokenize(nfd)) == nfd


def test_decomposition_agrees_with_unicode_nfd_for_all_11172_syllables():
    # unicodedata is an independent reference for the arithmetic in decompose/compose.
    for code in range(0xAC00, 0xD7A4):
        ch = chr(code)
        jamo = decompose_syllable(ch)
        assert jamo == tuple(unicodedata.normalize("NFD", ch))
        assert compose_syllable(*jamo) == ch


def test_jamo_tokens_of_known_syllables():
    tok = JamoTokenizer()
    assert tok.tokenize("한") == ["\u1112", "\u1161", "\u11ab"]  # ᄒ ᅡ ᆫ
    assert tok.tokenize("가a") == ["\u1100", "\u1161", "a"]  # no trailing consonant
    # Two syllables in a row, the first without a final: 가나 must not become 각+...
    assert tok.detokenize(tok.tokenize("가나")) == "가나"


def test_jamo_already_in_the_text_stays_apart_from_decomposed_jamo():
    tok = JamoTokenizer()
    nfd_ga = "\u1100\u1161"  # 가 spelled as conjoining jamo
    tokens = tok.tokenize(nfd_ga + "가" + "ㄱㅏ")
    assert tokens[:2] == ["\\\u1100", "\\\u1161"]  # escaped: not composed on the way back
    assert tokens[2:4] == ["\u1100", "\u1161"]
    assert tokens[4:] == ["ㄱ", "ㅏ"]  # compatibility jamo are ordinary characters
    assert tok.detokenize(tokens) == nfd_ga + "가ㄱㅏ"


def test_jamo_detokenize_accepts_generated_sequences_that_form_no_syllable():
    tok = JamoTokenizer()
    assert tok.detokenize(["\u1161"]) == "\u1161"  # a lone vowel
    assert tok.detokenize(["\u1100", "a", "\u11ab"]) == "\u1100a\u11ab"
    assert tok.detokenize(["\u1100", "\u1161", "\u11ab", "\u11ab"]) == "간\u11ab"


def test_syllable_tokens_are_whole_syllables_in_both_spellings():
    tok = SyllableTokenizer()
    assert tok.tokenize("한글 ok") == ["한", "글", " ", "o", "k"]
    nfd = unicodedata.normalize("NFD", "한글")
    assert tok.tokenize(nfd) == [unicodedata.normalize("NFD", "한"), unicodedata.normalize("NFD", "글")]


def test_word_tokenizer_keeps_hangul_only_like_the_source_notebooks():
    text = "나라의 말이, 중국과 달라 (1446) abc!"
    assert WordTokenizer().tokenize(text) == ["나라의", "말이,", "중국과", "달라", "(1446)", "abc!"]
    assert WordTokenizer(keep="hangul").tokenize(text) == ["나라의", "말이", "중국과", "달라"]
    assert WordTokenizer(keep="letters").tokenize(text) == ["나라의", "말이", "중국과", "달라", "abc"]


@settings(max_examples=100, deadline=None)
@given(text=ANY_TEXT)
def test_word_round_trip_normalises_whitespace_only(text):
    tok = WordTokenizer()
    assert tok.detokenize(tok.tokenize(text)) == " ".join(text.split())


def test_hangul_syllable_predicate():
    assert is_hangul_syllable("가") and is_hangul_syllable("힣")
    assert not any(is_hangul_syllable(c) for c in ("ㄱ", "\u1100", "a", "가나"))


@pytest.mark.parametrize("tokenizer", ROUND_TRIP + [WordTokenizer()], ids=repr)
def test_empty_text_gives_no_tokens(tokenizer):
    assert tokenizer.tokenize("") == []
    assert tokenizer.detokenize([]) == ""


@pytest.mark.parametrize("tokenizer", ROUND_TRIP + [WordTokenizer()], ids=repr)
def test_bad_input_is_named(tokenizer):
    with pytest.raises(TypeError, match="text: expected a str, got list"):
        tokenizer.tokenize(["가"])
    with pytest.raises(TypeError, match="tokens: expected a list of str tokens, got a single str"):
        tokenizer.detokenize("가나")
    with pytest.raises(TypeError, match=r"tokens\[1\]: expected a str token, got int"):
        tokenizer.detokenize(["가", 3])


def test_bad_options_and_jamo_are_rejected():
    with pytest.raises(ValueError, match="keep: expected one of"):
        WordTokenizer(keep="hanja")
    with pytest.raises(ValueError, match="expected one Hangul syllable"):
        decompose_syllable("a")
    with pytest.raises(ValueError, match="leading consonant"):
        compose_syllable("\u1161", "\u1100")
