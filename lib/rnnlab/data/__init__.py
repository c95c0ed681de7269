"""Data for the course: tokenizers, a vocabulary, batching, long-lag tasks and shipped corpora.

A typical pipeline (offline; the corpora ship inside the package)::

    from rnnlab.data import CharTokenizer, Vocab, load_text, split_ids, tbptt_batches

    text = load_text("ko_short_stories")
    tok = CharTokenizer()
    vocab = Vocab.build(tok.tokenize(text))
    train_ids, val_ids = split_ids(vocab.encode(tok.tokenize(text)), 0.1)
    for inputs, targets in tbptt_batches(train_ids, 32, 64):   # (N, T) each
        ...

Modules: ``tokenizers`` (character, word, Korean syllable and jamo), ``vocab`` (``Vocab``),
``batching`` (truncated-BPTT streams, padded sentences, prefixes, windows), ``tasks`` (adding
problem, copy task), ``corpora`` (``load_text``, ``list_corpora``, ``corpus_info``).
"""
from .batching import Batches, prefix_samples, sentence_batches, sliding_windows, split_ids, tbptt_batches
from .corpora import corpus_info, list_corpora, load_lines, load_text
from .tasks import ADDING_BASELINE_MSE, adding_problem, copy_task, copy_task_baseline
from .tokenizers import (
    CharTokenizer,
    JamoTokenizer,
    SyllableTokenizer,
    WordTokenizer,
    compose_syllable,
    decompose_syllable,
    is_hangul_syllable,
)
from .vocab import DEFAULT_SPECIALS, UnknownTokenError, Vocab

__all__ = [
    "CharTokenizer",
    "WordTokenizer",
    "SyllableTokenizer",
    "JamoTokenizer",
    "is_hangul_syllable",
    "decompose_syllable",
    "compose_syllable",
    "Vocab",
    "UnknownTokenError",
    "DEFAULT_SPECIALS",
    "Batches",
    "tbptt_batches",
    "sentence_batches",
    "prefix_samples",
    "sliding_windows",
    "split_ids",
    "adding_problem",
    "copy_task",
    "copy_task_baseline",
    "ADDING_BASELINE_MSE",
    "load_text",
    "load_lines",
    "list_corpora",
    "corpus_info",
]
