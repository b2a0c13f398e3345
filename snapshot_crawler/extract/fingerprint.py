"""Near-duplicate fingerprints of article text: MinHash signatures and their LSH band keys.

Why MinHash with LSH bands rather than SimHash: a repost with one or two of fifteen sentences
changed keeps about 80% of its shingles, which by estimate (a cosine near 0.9 flips θ/π of
the bits) is a SimHash distance of 7 to 10 bits of 64;
the permuted tables that find SimHash neighbours quickly only reach 3 or 4 bits. A MinHash
signature estimates the shingles' Jaccard similarity directly, and banding it makes such a
pair a candidate with probability 1 - (1 - J**ROWS)**BANDS (0.996 at J = 0.8 with 12 bands of
3), while pairs of unrelated articles almost never share a band.

The signature is computed in one pass (one-permutation hashing: each shingle's hash picks a
bin and competes for its minimum; empty bins borrow from the next full one), not once per
hash function, so it costs about as much as hashing the shingles once.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

BANDS = 12
ROWS = 3
SIGNATURE_SIZE = BANDS * ROWS
MIN_CHARS = 200
"""Texts shorter than this (letters and digits) get no signature: briefs that share a
boilerplate sentence are too alike by shingles to tell apart, so they are matched exactly only."""

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_WORD = re.compile(r"[^\W_]+")
_CHAR_SHINGLE = 5
_WORD_SHINGLE = 3
_EMPTY = 0xFFFFFFFF
_BIN_SPAN = 2**32 // SIGNATURE_SIZE + 1


def shingles(text: str) -> set[str]:
    """Character 5-grams of the letters and digits of CJK text; word 3-grams otherwise."""
    text = unicodedata.normalize("NFKC", text).lower()
    words = _WORD.findall(text)
    joined = "".join(words)
    if len(_CJK.findall(joined)) * 2 >= len(joined):
        return {joined[i : i + _CHAR_SHINGLE] for i in range(len(joined) - _CHAR_SHINGLE + 1)}
    return {" ".join(words[i : i + _WORD_SHINGLE]) for i in range(len(words) - _WORD_SHINGLE + 1)}


def text_size(text: str) -> int:
    """Letters and digits in the text: what MIN_CHARS counts."""
    return sum(len(w) for w in _WORD.findall(text))


def content_hash(content: str) -> str:
    """SHA-256 hex digest of normalized content: the identity of a snapshot's text."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


Signature = tuple[int, ...] | None

_SIGNED_AHEAD: dict[str, Signature] = {}
"""Signatures computed in another process, by the content hash of their text (see
``sign_ahead``); each is taken once, so few wait here."""
_SIGNED_AHEAD_MAX = 1000  # the oldest go: their items were dropped before the dedup stage


def sign_ahead(text: str) -> tuple[str, Signature]:
    r"""The text's content hash and signature, computed where the text is made (the
    extractor's worker process): the crawler's process ``remember``\ s them, and ``signature``
    takes the signature from there rather than spend a millisecond on it again."""
    return content_hash(text), signature(text)


def remember(signed: tuple[str, Signature]) -> None:
    """Keep a signature from ``sign_ahead`` until ``signature`` asks for its text's."""
    digest, sig = signed
    _SIGNED_AHEAD[digest] = sig
    if len(_SIGNED_AHEAD) > _SIGNED_AHEAD_MAX:
        del _SIGNED_AHEAD[next(iter(_SIGNED_AHEAD))]


def signature(text: str, digest: str | None = None) -> Signature:
    """The MinHash signature of the text's shingles; None for a text under MIN_CHARS. Given
    the text's content hash, a signature remembered for it is taken instead."""
    if digest is not None and digest in _SIGNED_AHEAD:
        return _SIGNED_AHEAD.pop(digest)
    if text_size(text) < MIN_CHARS:
        return None
    return minhash(shingles(text))


def minhash(features: Iterable[str]) -> tuple[int, ...]:
    """One-permutation MinHash over SIGNATURE_SIZE bins, densified by rotation."""
    bins = [_EMPTY] * SIGNATURE_SIZE
    # a shingle's hash: the first 4 bytes of its BLAKE2b digest, big-endian (inline, with local
    # names: this loop runs once per shingle, over a thousand times a page)
    blake2b, from_bytes, span = hashlib.blake2b, int.from_bytes, _BIN_SPAN
    for feature in features:
        value = from_bytes(blake2b(feature.encode(), digest_size=4).digest())
        slot = value // span
        offset = value - slot * span
        if offset < bins[slot]:
            bins[slot] = offset
    if _EMPTY not in bins or all(b == _EMPTY for b in bins):
        return tuple(bins)
    full = [i for i, b in enumerate(bins) if b != _EMPTY]
    dense = list(bins)
    for i, b in enumerate(bins):
        if b == _EMPTY:  # borrow the next full bin's value, marked by the distance to it
            donor = next((j for j in full if j > i), full[0] + SIGNATURE_SIZE)
            dense[i] = bins[donor % SIGNATURE_SIZE] + (donor - i) * _BIN_SPAN
    return tuple(dense)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of the two texts' shingles: the share of equal bins."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


_W0, _W1, _W2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
_KEY_MASK = (1 << 63) - 1
assert ROWS == 3, "band_keys mixes three rows a band"


def band_keys(sig: tuple[int, ...]) -> list[int]:
    """One non-zero 63-bit key per band: two signatures sharing a key are near-duplicate
    candidates. (A multiplicative hash of the band's rows: these keys only pick candidates,
    which the signatures then score, so speed matters more than a cryptographic spread.)"""
    return [
        ((sig[i] * _W0 ^ sig[i + 1] * _W1 ^ sig[i + 2] * _W2) + band) & _KEY_MASK or 1
        for band, i in enumerate(range(0, SIGNATURE_SIZE, ROWS))
    ]
