"""The faster ``negated`` installed into vaderSentiment answers exactly as vaderSentiment's own."""

from __future__ import annotations

import itertools

from vaderSentiment.vaderSentiment import NEGATE

from streams.scoring import english


def test_fast_negated_agrees_with_vader_on_every_word() -> None:
    words = [*english.analyzer().lexicon, *NEGATE, *(w.upper() for w in NEGATE), "didn't", "DON'T", "n't",
             "isnt", "not", "Not", "", "never!", "no", "nope", 3, None]
    for w in words:
        for nt in (True, False):
            assert english._negated([w], nt) == english._vader_negated([w], nt), (w, nt)  # type: ignore[list-item]


def test_fast_negated_agrees_on_word_lists() -> None:
    sample = ["good", "not", "wasn't", "great", "never", "NOR", "bad", "aint", "fine"]
    for n in range(4):
        for combo in itertools.permutations(sample, n):
            for nt in (True, False):
                assert english._negated(list(combo), nt) == english._vader_negated(list(combo), nt), combo


def test_vader_uses_the_fast_version() -> None:
    import vaderSentiment.vaderSentiment as vader

    assert vader.negated is english._negated
