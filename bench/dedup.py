"""Repost detection benchmark: index speed and memory at a million fingerprints, and precision
and recall on a labelled set of reposts with edits.

Run from the repository root::

    python bench/dedup.py [--size 1000000] [--queries 2000] [--texts ../shared/datasets]

It prints:

* ``index``: the SQLite duplicate index (the one crawls use) loaded with ``--size`` synthetic
  originals (random MinHash signatures, as distinct articles have, and 1% planted near copies)
  and the time the next crawl takes to open it: loading the key table the last crawl saved,
  or rebuilding it from the rows (after a crawl was killed); then, for
  ``--queries`` more snapshots (a tenth of them near copies of planted ones), the time to look
  one up (``find_original``: exact hash, then band candidates, each scored) and add it when it
  is new: median and 95th percentile in microseconds; the peak memory (RSS) of the process and
  the index file's size.
* ``labelled``: originals are the truth texts of the dataset manifests under ``--texts`` (at
  least ``MIN_CHARS`` letters); for each the benchmark writes reposts (the same text; the first
  or last paragraph cut, as another template would; one sentence rewritten; two rewritten;
  two rewritten and a paragraph cut) and non-reposts (its first paragraph followed by
  another article's rest; every other original). All originals are indexed, then each
  generated text is looked up: a repost found with its own original is a true positive, a
  non-repost matched to anything a false positive. It prints precision and recall, overall and
  per kind.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from snapshot_crawler.extract.fingerprint import (
    MIN_CHARS,
    SIGNATURE_SIZE,
    signature,
    text_size,
)
from snapshot_crawler.pipelines.dedup import find_original
from snapshot_crawler.state import DuplicateIndex, Original, open_duplicate_index
from snapshot_crawler.urls import url_key

THRESHOLD = 0.5  # SNAPSHOT_NEAR_DUPLICATE_SIMILARITY's default
_VALUE_RANGE = 2**32 // SIGNATURE_SIZE
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=[.!?])\s+")


def synthetic_signature(rnd: random.Random) -> tuple[int, ...]:
    return tuple(rnd.randrange(_VALUE_RANGE) for _ in range(SIGNATURE_SIZE))


def near_copy(sig: tuple[int, ...], rnd: random.Random, changed: int = 6) -> tuple[int, ...]:
    values = list(sig)
    for i in rnd.sample(range(SIGNATURE_SIZE), changed):
        values[i] = rnd.randrange(_VALUE_RANGE)
    return tuple(values)


def content_hash(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def index_benchmark(size: int, queries: int) -> None:
    rnd = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        index = open_duplicate_index(tmp)
        planted: list[tuple[int, ...]] = []
        started = time.perf_counter()
        for n in range(size):
            sig = (
                near_copy(planted[-1], rnd)
                if planted and n % 100 == 0
                else synthetic_signature(rnd)
            )
            if n % 100 == 1:
                planted.append(sig)
            original = Original(
                f"https://site{n % 500}.example/{n}.html",
                f"site{n % 500}",
                "2024-02-14T08:00:00+08:00",
            )
            index.add(original, content_hash(n), sig)
        load = time.perf_counter() - started
        index.close()  # saves the key table, as a crawl does when it closes
        del index  # each opening below holds one table, as one crawl process does
        keys_file = Path(tmp) / "duplicates.sqlite3.keys"
        keys_mib = keys_file.stat().st_size / 2**20
        started = time.perf_counter()
        index = open_duplicate_index(tmp)
        index.exact("warm-up")  # loads the saved table
        warm = time.perf_counter() - started
        index.close()
        del index
        keys_file.unlink()  # as after a crawl killed before it saved its table
        started = time.perf_counter()
        index = open_duplicate_index(tmp)
        index.exact("warm-up")  # builds the table from the rows
        cold = time.perf_counter() - started
        times = []
        found = 0
        for q in range(queries):
            n = size + q
            sig = near_copy(rnd.choice(planted), rnd) if q % 10 == 0 else synthetic_signature(rnd)
            url = f"https://new.example/{n}.html"
            own_key, text_hash = url_key(url), content_hash(n)  # the pipeline has both already
            t0 = time.perf_counter()
            match = find_original(index, own_key, text_hash, sig, THRESHOLD)
            if match is None:
                index.add(Original(url, "new", "2024-02-15T08:00:00+08:00"), text_hash, sig)
            times.append((time.perf_counter() - t0) * 1e6)
            found += match is not None
        index.close()
        file_mib = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 2**20
    times.sort()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"index: {size} originals written in {load:.0f} s; opening it: {warm:.1f} s with the "
        f"saved key table ({keys_mib:.0f} MiB), {cold:.1f} s building it from the rows; "
        f"{queries} lookups+adds: "
        f"median {statistics.median(times):.0f} us, p95 {times[int(len(times) * 0.95)]:.0f} us; "
        f"{found} found as near copies (of {queries // 10} planted); "
        f"peak RSS {peak_mib:.0f} MiB; index file {file_mib:.0f} MiB"
    )


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if s.strip()]


def rewrite(text: str, count: int, donors: list[str], rnd: random.Random) -> str:
    """The text with ``count`` of its sentences replaced by sentences of other articles."""
    paragraphs = [sentences(p) for p in text.split("\n")]
    spots = [(i, j) for i, p in enumerate(paragraphs) for j in range(len(p))]
    for i, j in rnd.sample(spots, min(count, len(spots))):
        donor = sentences(rnd.choice(donors).split("\n")[0]) or ["另有一句完全不同的话。"]
        paragraphs[i][j] = rnd.choice(donor)
    return "\n".join(
        "".join(p) if re.search(r"[\u4e00-\u9fff]", "".join(p)) else " ".join(p) for p in paragraphs
    )


def cut_paragraph(text: str, rnd: random.Random) -> str:
    paragraphs = text.split("\n")
    if len(paragraphs) < 4:
        return text
    return "\n".join(paragraphs[1:] if rnd.random() < 0.5 else paragraphs[:-1])


def labelled_benchmark(texts_dir: Path) -> None:
    rnd = random.Random(7)
    texts = []
    for manifest in sorted(texts_dir.glob("*/manifest.jsonl")):
        for line in manifest.read_text(encoding="utf-8").splitlines():
            content = (json.loads(line).get("truth") or {}).get("content") or ""
            if text_size(content) >= MIN_CHARS and len(sentences(content)) >= 8:
                texts.append(content)
    rnd.shuffle(texts)
    # two thirds are indexed originals; the rest, never indexed, give the sentences that edits
    # put in and the other stories that follow a shared lead
    originals, donors = texts[: len(texts) * 2 // 3], texts[len(texts) * 2 // 3 :]
    index: DuplicateIndex = open_duplicate_index(tempfile.mkdtemp())
    for n, text in enumerate(originals):
        sig = signature(text)
        index.add(
            Original(f"https://orig.example/{n}", "orig", "t"),
            f"o{n}",
            sig,
        )
    cases: list[tuple[str, int | None, str]] = []  # (kind, original number or None, text)
    for n, text in enumerate(originals):
        cases += [
            ("same text", n, text),
            ("template cut", n, cut_paragraph(text, rnd)),
            ("1 sentence", n, rewrite(text, 1, donors, rnd)),
            ("2 sentences", n, rewrite(text, 2, donors, rnd)),
            ("2 sentences + cut", n, cut_paragraph(rewrite(text, 2, donors, rnd), rnd)),
        ]
        # a lead of two sentences, then another article: a different story on the same topic
        lead = "".join(sentences(text.split("\n")[0])[:2])
        other = rnd.choice(donors)
        rest = other[len("".join(sentences(other.split("\n")[0])[:2])) :].lstrip()
        cases.append(("same first paragraph", None, lead + "\n" + rest))
    outcomes: Counter[tuple[str, str]] = Counter()
    for number, (kind, original, text) in enumerate(cases):
        text_hash = f"o{original}" if kind == "same text" else f"c{number}"
        match = find_original(
            index, f"https://copy.example/{number}", text_hash, signature(text), THRESHOLD
        )
        found = None if match is None else int(match.original.url.rsplit("/", 1)[1])
        if original is None:
            outcomes[(kind, "false positive" if found is not None else "true negative")] += 1
        elif found == original:
            outcomes[(kind, "true positive")] += 1
        else:
            outcomes[(kind, "false negative" if found is None else "wrong original")] += 1
    # every original against all the others: an original matched to another is a false positive
    for n, text in enumerate(originals):
        match = find_original(
            index, f"https://orig.example/{n}", f"o{n}", signature(text), THRESHOLD
        )
        outcomes[("other originals", "false positive" if match else "true negative")] += 1
    index.close()
    tp = sum(v for (_, o), v in outcomes.items() if o == "true positive")
    fp = sum(v for (_, o), v in outcomes.items() if o in ("false positive", "wrong original"))
    fn = sum(v for (_, o), v in outcomes.items() if o in ("false negative", "wrong original"))
    print(
        f"labelled: {len(originals)} originals, {tp + fn} reposts, "
        f"{sum(v for (_, o), v in outcomes.items() if o in ('true negative', 'false positive'))} non-reposts; "
        f"precision {tp / (tp + fp):.4f}, recall {tp / (tp + fn):.4f}"
    )
    for kind in dict.fromkeys(k for k, _ in outcomes):
        counts = {o: v for (k, o), v in outcomes.items() if k == kind}
        print(f"  {kind:<22} {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--texts", type=Path, default=Path("../shared/datasets"))
    args = parser.parse_args()
    if args.texts.is_dir():
        labelled_benchmark(args.texts)
    else:
        print(f"labelled: skipped, no {args.texts}", file=sys.stderr)
    index_benchmark(args.size, args.queries)


if __name__ == "__main__":
    main()
