"""Vocab: deterministic order, exact encode/decode, helpful unknown-token errors, checkpoints."""
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlab._validate import DTypeError
from rnnlab.data import CharTokenizer, UnknownTokenError, Vocab

TOKENS = st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=40)


def test_order_is_specials_then_frequency_then_token():
    vocab = Vocab.build(["b", "a", "c", "a", "b", "a", "d"])
    # a x3, b x2, then c and d once each (tie broken by the string).
    assert vocab.tokens == ("<pad>", "<unk>", "<bos>", "<eos>", "a", "b", "c", "d")
    assert (vocab.pad_id, vocab.unk_id, vocab.bos_id, vocab.eos_id) == (0, 1, 2, 3)


@settings(max_examples=60, deadline=None)
@given(tokens=TOKENS, seed=st.integers(0, 2**32 - 1))
def test_order_does_not_depend_on_input_order(tokens, seed):
    shuffled = list(np.random.default_rng(seed).permutation(np.array(tokens, dtype=object)))
    assert Vocab.build(tokens).to_dict() == Vocab.build(shuffled).to_dict()


@settings(max_examples=60, deadline=None)
@given(tokens=TOKENS)
def test_encode_decode_round_trip(tokens):
    vocab = Vocab.build(tokens)
    ids = vocab.encode(tokens)
    assert ids.dtype == np.int64 and ids.shape == (len(tokens),)
    assert vocab.decode(ids) == tokens
    assert vocab.decode(ids.tolist()) == tokens


def test_encoding_a_text_round_trips_through_the_tokenizer():
    tok = CharTokenizer()
    text = "가는 말이 고와야 오는 말이 곱다"
    vocab = Vocab.build(tok.tokenize(text))
    assert tok.detokenize(vocab.decode(vocab.encode(tok.tokenize(text)))) == text


def test_unknown_token_error_names_the_token_and_suggests_fixes():
    vocab = Vocab.build("봄이 오면 강가에 꽃이 핀다".split())
    with pytest.raises(UnknownTokenError) as info:
        vocab.encode(["봄이", "강가의"])
    message = str(info.value)
    assert "'강가의' at position 1 is not in the vocabulary" in message
    assert "Close tokens: '강가에'" in message
    assert "allow_unk=True" in message
    with pytest.raises(UnknownTokenError, match="'여름' is not in the vocabulary"):
        vocab["여름"]


def test_allow_unk_maps_unknown_tokens_to_unk():
    vocab = Vocab.build(list("abc"))
    assert vocab.encode(["a", "z", "c"], allow_unk=True).tolist() == [vocab["a"], vocab.unk_id, vocab["c"]]


def test_vocab_without_unk_says_how_to_fix_it():
    vocab = Vocab.build(list("abc"), specials=())
    assert vocab.tokens == ("a", "b", "c")
    with pytest.raises(UnknownTokenError, match="has no '<unk>' token"):
        vocab.encode(["z"])
    with pytest.raises(ValueError, match="no <unk> token"):
        vocab.encode(["z"], allow_unk=True)


def test_min_freq_drops_rare_tokens():
    vocab = Vocab.build(list("aaabbc"), min_freq=2)
    assert "c" not in vocab and "b" in vocab
    with pytest.raises(ValueError, match="min_freq: no token occurs 9 times"):
        Vocab.build(list("aab"), min_freq=9)


def test_empty_text_is_a_clear_error():
    with pytest.raises(ValueError, match="no tokens \\(was the text empty\\?\\)"):
        Vocab.build(CharTokenizer().tokenize(""))


def test_to_dict_from_dict_round_trip_through_json():
    vocab = Vocab.build(list("hello, 안녕"))
    again = Vocab.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert again == vocab and again.tokens == vocab.tokens and again.specials == vocab.specials
    with pytest.raises(ValueError, match="expected a dict with keys 'tokens' and 'specials'"):
        Vocab.from_dict({"tokens": ["a"]})


def test_decode_checks_ids_and_can_skip_specials():
    vocab = Vocab.build(list("ab"))
    ids = np.array([vocab.bos_id, vocab["a"], vocab.eos_id])
    assert vocab.decode(ids, skip_specials=True) == ["a"]
    with pytest.raises(ValueError, match=r"ids: expected token ids in \[0, V\) with V=6, got 6"):
        vocab.decode(np.array([0, 6]))
    with pytest.raises(DTypeError, match="ids: expected an integer array"):
        vocab.decode(np.array([0.0, 1.0]))


def test_bad_arguments_are_named():
    vocab = Vocab.build(list("ab"))
    with pytest.raises(TypeError, match="tokenize the text first"):
        vocab.encode("ab")
    with pytest.raises(TypeError, match=r"tokens\[1\]: expected a str token, got int"):
        Vocab.build(["a", 1])
    with pytest.raises(ValueError, match="duplicates"):
        Vocab(["a", "a"], specials=())
    with pytest.raises(ValueError, match="specials: \\['<pad>'\\] are not among the tokens"):
        Vocab(["a"], specials=("<pad>",))
