"""Duplicates: the same report on many sites, found as articles arrive.

Two bodies are compared as sets of *shingles*: every run of SHINGLE consecutive words of the normalised
body (case folded, punctuation and markup left out, so another site's template or typography changes
nothing).

- **Exact duplicates** have the same normalised body: the blake2b hash of its words.
- **Near-duplicates** (a syndicated copy lightly edited, a paragraph added or removed, a changed headline)
  share most shingles: their Jaccard similarity, estimated by MinHash (NUM_PERM permutations, datasketch),
  is at least JACCARD_THRESHOLD = 0.7. Candidates come from MinHash LSH at a lower threshold (0.5), so a
  pair just above 0.7 is rarely missed; each candidate is then checked against the threshold.
- **Teasers** (the first paragraph or two of an article, on a section page or in a feed) share the
  article's opening: the first LEAD_WORDS words of both are compared the same way, with their own LSH
  index, and a pair is a duplicate when the shorter opening is contained in the longer one (estimated
  containment >= CONTAINMENT_THRESHOLD = 0.9) and has at least MIN_LEAD_WORDS words (shorter texts, such
  as a one-line summary, prove nothing).

Thresholds were set on pairs made from the ScrapingHub pages (benchmarks/duplicates.py): different
articles from one site stay far below them (shared boilerplate sentences make up a few shingles at most).

Each article joins the group of the earliest article it duplicates, so a group is named by its earliest
copy, and adding articles in the same order always gives the same groups. Memory: per article one MinHash
of NUM_PERM 32-bit values for the body and one for the opening, plus the LSH tables; nothing of the text
is kept.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

SHINGLE = 5
NUM_PERM = 60
JACCARD_THRESHOLD = 0.7
# LSH: BANDS bands of ROWS values; a pair with Jaccard similarity J shares a band with probability
# 1 - (1 - J**ROWS)**BANDS: 0.99 at J = 0.7, 0.9 at 0.55, 0.24 at 0.3 (those candidates are then checked).
BANDS = 10
ROWS = 6
LEAD_WORDS = 40
MIN_LEAD_WORDS = 20
CONTAINMENT_THRESHOLD = 0.9
SEED = 1
SCHEME = "affine32"  # datasketch 2: 32-bit hash values

WORD = re.compile(r"\w+", re.UNICODE)
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
_MIX = np.uint64(0x100000001B3)  # FNV prime: mixes the word hashes of a shingle
_BAND_MIX = (np.arange(1, ROWS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) | np.uint64(1)


def words(body: str) -> list[str]:
    """The body's words, case folded, without punctuation."""
    return WORD.findall(body.casefold())


def body_hash(body: str) -> str:
    """The hash of the normalised body: equal for exact duplicates whatever their template or spacing."""
    return hashlib.blake2b(" ".join(words(body)).encode(), digest_size=16).hexdigest()


def word_hashes(tokens: list[str]) -> np.ndarray:
    return np.fromiter((zlib.crc32(t.encode()) for t in tokens), dtype=np.uint64, count=len(tokens))


def shingle_hashes(hashed: np.ndarray, size: int = SHINGLE) -> np.ndarray:
    """A 32-bit hash for every distinct run of `size` words (one run of all words when fewer), from the
    words' hashes (`word_hashes`)."""
    if not len(hashed):
        return np.zeros(0, dtype=np.uint64)
    width = min(size, len(hashed))
    count = len(hashed) - width + 1
    mixed = hashed[:count].copy()
    for offset in range(1, width):
        mixed = mixed * _MIX ^ hashed[offset : offset + count]
    return np.unique((mixed ^ (mixed >> np.uint64(32))) & np.uint64(0xFFFFFFFF))


def _identity(value: int) -> int:
    return value


def minhash(hashes: np.ndarray) -> MinHash:
    """The MinHash (datasketch) of a set of shingle hashes."""
    m = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_identity, permutations=_PERMUTATIONS, scheme=SCHEME)
    if len(hashes):
        m.update_batch(hashes.tolist())
    return m


def _signature(hashes: np.ndarray) -> np.ndarray:
    values: np.ndarray = minhash(hashes).hashvalues.astype(np.uint32)
    return values


class _Bands:
    """MinHash LSH over int keys, kept small: one dict from a band's 64-bit hash to the articles having
    it (an int, or a list once two share it). datasketch's MinHashLSH keeps a bytes key and a set per
    band and a reverse map per article: three times the memory for the same answers."""

    def __init__(self) -> None:
        self._table: dict[int, int | list[int]] = {}

    def _keys(self, signature: np.ndarray) -> list[int]:
        bands = signature[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
        keys = (bands * _BAND_MIX).sum(axis=1) + np.arange(BANDS, dtype=np.uint64)
        return [int(k) for k in keys.tolist()]

    def insert(self, number: int, signature: np.ndarray) -> None:
        table = self._table
        for key in self._keys(signature):
            found = table.get(key)
            if found is None:
                table[key] = number
            elif isinstance(found, list):
                found.append(number)
            else:
                table[key] = [found, number]

    def query(self, signature: np.ndarray) -> set[int]:
        out: set[int] = set()
        for key in self._keys(signature):
            found = self._table.get(key)
            if isinstance(found, list):
                out.update(found)
            elif found is not None:
                out.add(found)
        return out


@dataclass(frozen=True, slots=True)
class Signature:
    """What the index keeps of a body (and what is persisted of it): the hash of its normalised words,
    the MinHash of its shingles and of its opening's, the number of distinct shingles of each, and the
    number of words of the opening."""

    digest: bytes
    body: np.ndarray  # NUM_PERM uint32 values
    body_size: int
    lead: np.ndarray
    lead_size: int
    lead_words: int

    def values(self) -> bytes:
        """Both MinHashes as bytes (little-endian 32-bit values, the body's first)."""
        return self.body.astype("<u4").tobytes() + self.lead.astype("<u4").tobytes()

    @staticmethod
    def of(digest: bytes, values: bytes, body_size: int, lead_size: int, lead_words: int) -> Signature:
        """The signature `values()` and the sizes describe; ValueError when they cannot be one."""
        if len(values) != 8 * NUM_PERM:
            raise ValueError(f"a signature has {8 * NUM_PERM} bytes, not {len(values)}")
        both = np.frombuffer(values, dtype="<u4").astype(np.uint32)
        return Signature(digest, both[:NUM_PERM], body_size, both[NUM_PERM:], lead_size, lead_words)


def signature(body: str) -> Signature:
    """The body's signature (`Signature`)."""
    tokens = words(body)
    digest = hashlib.blake2b(" ".join(tokens).encode(), digest_size=16).digest()
    hashed = word_hashes(tokens)
    body_hashes = shingle_hashes(hashed)
    lead_hashes = shingle_hashes(hashed[:LEAD_WORDS])
    return Signature(digest, _signature(body_hashes), len(body_hashes), _signature(lead_hashes),
                     len(lead_hashes), min(len(tokens), LEAD_WORDS))


@dataclass(frozen=True, slots=True)
class Match:
    """What an article duplicates: `group` is the earliest copy's key; `kind` exact, near or teaser."""

    key: Hashable
    group: Hashable
    kind: str
    similarity: float


@dataclass(slots=True)
class _Entry:
    key: Hashable
    group: Hashable
    body: np.ndarray  # uint32 MinHash values
    body_size: int
    lead: np.ndarray
    lead_size: int


class DuplicateIndex:
    """Duplicate groups, assigned online: `add(key, body)` returns the match or None (a new group).

    Keys are whatever names the articles (an id, a URL); add them in order of arrival.
    """

    def __init__(self) -> None:
        self._exact: dict[bytes, int] = {}
        self._entries: list[_Entry] = []
        self._numbers: dict[Hashable, int] = {}
        self._bodies = _Bands()
        self._leads = _Bands()

    def __len__(self) -> int:
        return len(self._entries)

    def group(self, key: Hashable) -> Hashable:
        """The key of the earliest copy of `key`'s article (`key` itself when it has none)."""
        return self._entries[self._numbers[key]].group

    def add(self, key: Hashable, body: str) -> Match | None:
        return self.add_signed(key, signature(body))

    def add_signed(self, key: Hashable, signed: Signature) -> Match | None:
        """`add` with the body's `signature` made beforehand."""
        if key in self._numbers:
            raise ValueError(f"{key!r} was already added")
        match = self._match(signed.digest, signed.body, signed.body_size, signed.lead, signed.lead_size,
                            signed.lead_words)
        self._keep(key, match.group if match else key, signed, match.kind if match else None)
        return match

    def restore(self, key: Hashable, group: Hashable, signed: Signature, kind: str | None) -> None:
        """Put back an article as `add` left it, found in `group` (how: `kind`, None for a group's
        first article), without comparing it again: how a persisted index is rebuilt, in order."""
        if key in self._numbers:
            raise ValueError(f"{key!r} was already added")
        self._keep(key, group, signed, kind)

    def _keep(self, key: Hashable, group: Hashable, signed: Signature, kind: str | None) -> None:
        number = len(self._entries)
        self._entries.append(_Entry(key, group, signed.body, signed.body_size, signed.lead, signed.lead_size))
        self._numbers[key] = number
        if signed.body_size:
            self._exact.setdefault(signed.digest, number)
            if kind != "exact":
                self._bodies.insert(number, signed.body)
                if signed.lead_words >= MIN_LEAD_WORDS:
                    self._leads.insert(number, signed.lead)

    def _match(self, digest: bytes, body: np.ndarray, body_size: int, lead: np.ndarray, lead_size: int,
               lead_words: int) -> Match | None:
        if not body_size:
            return None
        if (same := self._exact.get(digest)) is not None:
            entry = self._entries[same]
            return Match(entry.key, entry.group, "exact", 1.0)
        best: tuple[float, int] | None = None  # (similarity, -number): ties go to the earlier article
        for number in self._bodies.query(body):
            jaccard = float(np.count_nonzero(self._entries[number].body == body)) / NUM_PERM
            if jaccard >= JACCARD_THRESHOLD and (best is None or (jaccard, -number) > best):
                best = (jaccard, -number)
        if best is not None:
            return self._result(best, "near")
        if lead_words < MIN_LEAD_WORDS:
            return None
        for number in self._leads.query(lead):
            entry = self._entries[number]
            jaccard = float(np.count_nonzero(entry.lead == lead)) / NUM_PERM
            small, large = sorted((lead_size, entry.lead_size))
            containment = min(1.0, jaccard * (small + large) / ((1 + jaccard) * small)) if small else 0.0
            if containment >= CONTAINMENT_THRESHOLD and (best is None or (containment, -number) > best):
                best = (containment, -number)
        return self._result(best, "teaser") if best is not None else None

    def _result(self, best: tuple[float, int], kind: str) -> Match:
        entry = self._entries[-best[1]]
        return Match(entry.key, entry.group, kind, best[0])
