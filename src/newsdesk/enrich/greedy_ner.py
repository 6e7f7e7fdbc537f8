"""spaCy's named-entity recogniser, decoded in bulk: the same model, the same decisions, a fraction of
the time.

spaCy's recogniser (a transition-based "parser" model with BILUO moves) reads three tokens at each
step: the next token, the first token of the entity being built (if one is open) and the token
before the next one (if one is open). Outside an entity the last two are padding, so the scores of
every step taken outside an entity depend on the token alone and are computed for all tokens at once
with one matrix product; only the steps inside an entity (a few in a hundred) are taken one by one.
The moves and their validity are spaCy's (`spacy.pipeline._parser_internals.ner`): "B" needs a next
token that starts no sentence and a non-space token, "U" a non-space token, "I" a next token that
starts no sentence; "L" and "O" are always allowed where they apply; the first best valid move wins,
as in spaCy's `arg_max_if_valid`.

Why: spaCy 3.8's compiled decoder takes and gives back Python's global interpreter lock at each
token's validity checks, and spends most of the recogniser's time doing so (`perf` on the
ScrapingHub bodies: a fifth of it in mutex calls alone). The scores are the same arithmetic in the
same order, summed by numpy instead of BLIS: a difference in the last bit of a float can at most turn
a near tie (benchmarks/enrich.py counts the entities that differ from spaCy's own recogniser).

Used only where it applies exactly: a greedy (beam width 1) "ner" component of the
TransitionBasedParser architecture with three features and an upper layer, no unseen classes, and no
entity set on the Docs beforehand; anything else goes through spaCy's own `pipe`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import numpy

if TYPE_CHECKING:
    from spacy.pipeline import EntityRecognizer
    from spacy.tokens import Doc

# Tokens decoded together at most (one Doc may hold more): the precomputed features take 1.5 KB a
# token, so a batch of long bodies would otherwise hold hundreds of MB at once.
MAX_TOKENS = 20_000


class GreedyRecogniser:
    """Decodes an EntityRecognizer's model over whole batches (see the module's docstring)."""

    _made: ClassVar[dict[int, GreedyRecogniser | None]] = {}

    def __init__(self, ner: EntityRecognizer) -> None:
        self.ner = ner
        model = ner.model
        self.tok2vec, lower, upper = model.layers
        self.bias = lower.get_param("b")  # (hidden, pieces)
        self.weights = upper.get_param("W")  # (classes, hidden)
        self.class_bias = upper.get_param("b")
        names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
        self.labels = [name[2:] for name in names]
        self.begin = numpy.array([i for i, name in enumerate(names) if name.startswith("B-") and name[2:]])
        self.unit = numpy.array([i for i, name in enumerate(names) if name.startswith("U-") and name[2:]])
        self.other = numpy.array([i for i, name in enumerate(names)
                                  if name != "O" and not (name[:2] in ("B-", "U-") and name[2:])])
        self.inside = {name[2:]: i for i, name in enumerate(names) if name.startswith("I-") and name[2:]}
        self.last = {name[2:]: i for i, name in enumerate(names) if name.startswith("L-") and name[2:]}

    @classmethod
    def of(cls, ner: Any) -> GreedyRecogniser | None:
        """The decoder for `ner`, or None when it does not apply (then use `ner.pipe`)."""
        if id(ner) in cls._made:
            made = cls._made[id(ner)]
            if made is None or made.ner is ner:
                return made
        cls._made[id(ner)] = made = cls(ner) if _fits(ner) else None
        return made

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 32) -> Iterator[Doc]:
        """The Docs, in order, with their entities set as the recogniser's `pipe` sets them."""
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) == batch_size:
                yield from self._batch(batch, batch_size)
                batch = []
        if batch:
            yield from self._batch(batch, batch_size)

    def _batch(self, docs: list[Doc], batch_size: int) -> Iterable[Doc]:
        if any(doc.has_annotation("ENT_IOB") for doc in docs):  # preset entities: spaCy's rules for them
            return list(self.ner.pipe(docs, batch_size=batch_size))
        chunk: list[Doc] = []
        for doc in (doc for doc in docs if len(doc)):
            if chunk and sum(map(len, chunk)) + len(doc) > MAX_TOKENS:
                self._annotate(chunk)
                chunk = []
            chunk.append(doc)
        if chunk:
            self._annotate(chunk)
        return docs

    def _annotate(self, docs: list[Doc]) -> None:
        from spacy.tokens import Span

        vectors = self.tok2vec.predict(docs)
        lower = self.ner.model.layers[1]
        cached = lower.predict(vectors)  # (tokens + 1, features, hidden, pieces); row 0 is the padding
        pad = cached[0]
        # A step outside an entity: the next token's first feature, padding for the other two, summed in
        # spaCy's order, then the bias, maxout and the upper layer.
        unmaxed = cached[1:, 0] + pad[1]
        unmaxed += pad[2]
        unmaxed += self.bias
        scores = unmaxed.max(axis=2) @ self.weights.T
        scores += self.class_bias
        offset = 0
        for doc in docs:
            n = len(doc)
            spaces, starts = doc.to_array(["IS_SPACE", "SENT_START"]).T.astype("int64")
            ents = self._decode(cached, scores[offset:offset + n], offset, spaces, starts)
            spans = [Span(doc, start, end, label=label) for start, end, label in ents]
            doc.set_ents(spans, default="outside")
            offset += n

    def _decode(self, cached: numpy.ndarray, scores: numpy.ndarray, offset: int, spaces: numpy.ndarray,
                starts: numpy.ndarray) -> list[tuple[int, int, str]]:
        n = len(scores)
        closed = scores.copy()
        closed[:, self.other] = -numpy.inf
        next_starts = numpy.append(starts[1:] == 1, True)  # no token after the last: no "B" there
        no_begin = (next_starts | (spaces != 0))
        closed[numpy.ix_(no_begin.nonzero()[0], self.begin)] = -numpy.inf
        closed[numpy.ix_((spaces != 0).nonzero()[0], self.unit)] = -numpy.inf
        best = closed.argmax(axis=1)
        labels = self.labels
        begin = set(self.begin.tolist())
        ents: list[tuple[int, int, str]] = []
        covered = 0
        for i in (best != len(labels) - 1).nonzero()[0].tolist():  # "O" is the last move (_fits)
            if i < covered:
                continue
            move = int(best[i])
            label = labels[move]
            if move not in begin:
                ents.append((i, i + 1, label))
                covered = i + 1
                continue
            end = self._extend(cached, offset, i, label, next_starts, n)
            ents.append((i, end, label))
            covered = end
        return ents

    def _extend(self, cached: numpy.ndarray, offset: int, start: int, label: str,
                next_starts: numpy.ndarray, n: int) -> int:
        """The end of the entity opened at `start`: "I" while it scores at least "L" and is valid."""
        inside, last = self.inside[label], self.last[label]
        pair = self.weights[[inside, last]]
        pair_bias = self.class_bias[[inside, last]]
        j = start + 1
        while True:
            if j >= n - 1 or next_starts[j]:
                return j + 1  # only "L" is valid
            unmaxed = numpy.zeros_like(self.bias)
            unmaxed += cached[offset + j + 1, 0]
            unmaxed += cached[offset + start + 1, 1]
            unmaxed += cached[offset + j, 2]
            unmaxed += self.bias
            i_score, l_score = pair @ unmaxed.max(axis=1) + pair_bias
            if l_score > i_score:
                return j + 1
            j += 1


def _fits(ner: Any) -> bool:
    """Whether `ner` is a component this decoder reproduces exactly."""
    try:
        model = ner.model
        if getattr(ner, "cfg", {}).get("beam_width", 1) != 1:
            return False
        if ner.moves.__class__.__name__ != "BiluoPushDown":
            return False
        if len(model.layers) != 3 or not model.attrs.get("has_upper") or model.attrs.get("unseen_classes"):
            return False
        lower, upper = model.layers[1], model.layers[2]
        if lower.name != "precomputable_affine" or lower.get_dim("nF") != 3 or upper.name != "linear":
            return False
        names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
        return bool(names[-1] == "O" and upper.get_dim("nO") == len(names))
    except (AttributeError, KeyError, ValueError):
        return False
