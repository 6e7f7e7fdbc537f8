"""Fuzz run: hostile inputs made from the shared pages and web archives (../shared/data), through
`extract`, `extract_text`, the archive readers and a SQLite store's put and search. Every case must end
in an article or a clear NewsdeskError: a traceback (any other exception), a crash or a hang (past the
per-case time limit) is a failure. Cases are made by a seeded generator, so a run is repeatable.

    .venv/bin/python benchmarks/fuzz.py [--pages 30] [--seed 18] [--timeout 60]

Prints one row per kind of mutation and exits non-zero on any failure, naming the cases.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import random
import select
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
PAGE_SETS = ("scrapinghub", "trafilatura-dev")
ARCHIVES = DATA / "warc"


# --- mutations: each takes the page's bytes and a random generator, and returns the hostile bytes ---

def truncated(page: bytes, rng: random.Random) -> bytes:
    return page[: rng.randrange(1, max(2, len(page)))]


def byte_flips(page: bytes, rng: random.Random) -> bytes:
    data = bytearray(page)
    for _ in range(max(1, len(data) // 200)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def encoding_lie(page: bytes, rng: random.Random) -> bytes:
    """A charset the bytes are not in: declared in a meta tag, by a byte order mark, or both."""
    charset = rng.choice(["utf-16", "utf-32", "shift_jis", "iso-2022-jp", "koi8-r", "x-unknown-42", "utf-7"])
    lie = f'<meta charset="{charset}"><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    bom = rng.choice([b"", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\x00\x00\xfe\xff"])
    return bom + lie.encode() + page


def deep_nesting(page: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([20_000, 100_000])
    tag = rng.choice([b"div", b"span", b"b", b"table"])
    at = rng.randrange(len(page) + 1)
    return page[:at] + b"<" + tag + b">" * 1 + (b"<" + tag + b">") * depth + page[at:]


def huge_attributes(page: bytes, rng: random.Random) -> bytes:
    count = rng.choice([50_000, 200_000])
    quote = rng.choice([b'"', b"'", b""])
    attributes = b" ".join(b"a%d=%sv%s" % (n, quote, quote) for n in range(count))
    at = rng.randrange(len(page) + 1)
    return page[:at] + b"<div " + attributes + b">" + page[at:]


def binary_junk(page: bytes, rng: random.Random) -> bytes:
    junk = rng.randbytes(rng.choice([512, 65_536, 1_000_000]))
    at = rng.randrange(len(page) + 1)
    return page[:at] + junk + page[at:]


def nuls(page: bytes, rng: random.Random) -> bytes:
    step = rng.choice([3, 50, 1000])
    return b"\x00".join(page[i : i + step] for i in range(0, len(page), step))


def surrogates(page: bytes, rng: random.Random) -> bytes:
    """Lone surrogates as UTF-8 would spell them (invalid), as character references and as UTF-16."""
    pieces = [b"\xed\xa0\x80", b"\xed\xbf\xbf", b"&#xD800;", b"&#55296;", b"\x00\xd8", "\ud83d".encode(
        "utf-8", "surrogatepass")]
    data = bytearray(page)
    for _ in range(50):
        at = rng.randrange(len(data) + 1)
        data[at:at] = rng.choice(pieces)
    return bytes(data)


def giant_comment_or_script(page: bytes, rng: random.Random) -> bytes:
    size = rng.choice([2_000_000, 8_000_000])
    opener, filler, closer = rng.choice([
        (b"<!--", b"-- <p>not text</p> ", b"-->"), (b"<script>", b"var a = '<div>'; ", b"</script>"),
        (b"<style>", b"p { color: red } ", b"</style>"), (b"<!--", b"x", b""),
        (b"<script>", b"<!--<script>", b""),
    ])
    at = rng.randrange(len(page) + 1)
    return page[:at] + opener + filler * (size // len(filler)) + closer + page[at:]


def mixed_encodings(page: bytes, rng: random.Random) -> bytes:
    text = page.decode("utf-8", "replace")
    pieces = []
    for start in range(0, len(text), 400):
        chunk = text[start : start + 400]
        codec = rng.choice(["utf-8", "cp1252", "latin-1", "utf-16-le", "shift_jis", "koi8-r"])
        pieces.append(chunk.encode(codec, "replace"))
    return b"".join(pieces)


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncation": truncated, "byte flips": byte_flips, "encoding lies": encoding_lie,
    "deep nesting": deep_nesting, "huge attributes": huge_attributes, "binary junk": binary_junk,
    "NULs": nuls, "surrogates": surrogates, "giant comments/scripts": giant_comment_or_script,
    "mixed encodings": mixed_encodings,
}
ARCHIVE_MUTATIONS = ("truncation", "byte flips", "binary junk", "NULs")


@dataclass
class Case:
    kind: str  # "page" or "archive"
    mutation: str
    origin: str
    path: Path


def cases(folder: Path, pages: int, seed: int) -> Iterator[Case]:
    rng = random.Random(seed)
    sources: list[Path] = []
    for name in PAGE_SETS:
        found = sorted((DATA / name / "html").glob("*.html.gz"))
        if not found:
            sys.exit(f"error: no pages in {DATA / name / 'html'}: the fuzz run needs ../shared/data")
        sources += rng.sample(found, min(pages // len(PAGE_SETS), len(found)))
    number = 0
    for mutation, mutate in MUTATIONS.items():
        for source in sources:
            number += 1
            path = folder / f"{number:04}.html"
            path.write_bytes(mutate(gzip.decompress(source.read_bytes()), rng))
            yield Case("page", mutation, f"{source.parent.parent.name}/{source.name}", path)
    archives = sorted(path for path in ARCHIVES.rglob("*") if path.is_file()
                      and path.name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz", ".wet", ".wet.gz")))
    if not archives:
        sys.exit(f"error: no web archives under {ARCHIVES}: the fuzz run needs ../shared/data")
    for mutation in ARCHIVE_MUTATIONS:
        for source in archives:
            for _ in range(2):
                number += 1
                data = MUTATIONS[mutation](source.read_bytes(), rng)
                path = folder / f"{number:04}-{source.name}"  # the reader goes by the file's suffix
                path.write_bytes(data)
                yield Case("archive", mutation, f"warc/{source.name}", path)


# --- the worker: runs cases one by one, answering one JSON line each ---------------------------------

def worker(store_path: str) -> None:
    import newsdesk
    from newsdesk import NewsdeskError, SearchRequest, open_store
    from newsdesk.sources.warc import ArchiveReader

    store = open_store(f"sqlite:///{store_path}")
    rng = random.Random(0)

    def put_and_search(article: newsdesk.Article) -> None:
        store.put(article)
        words = (article.title or article.body or "x").split()
        query = " ".join(rng.sample(words, min(3, len(words)))) if words else "x"
        for text in (query, article.body[:200], article.body[-50:]):
            with contextlib.suppress(NewsdeskError):  # a query that is no query is a clear error
                store.search(SearchRequest(text or "x"))

    def steps(kind: str, path: Path) -> Iterator[Callable[[], object]]:
        if kind == "page":
            data = path.read_bytes()
            yield lambda: put_and_search(newsdesk.extract(data, url="http://127.0.0.1/fuzz"))
            # As text, undecodable bytes become lone surrogates: str input that no encoder accepts.
            text = data.decode("utf-8", "surrogateescape")
            yield lambda: put_and_search(newsdesk.extract_text(text))
            yield lambda: put_and_search(newsdesk.extract(text))
        else:
            def read() -> None:
                for item in ArchiveReader(path, max_bytes=newsdesk.Settings().max_input_bytes):
                    if isinstance(item, newsdesk.Page):
                        with contextlib.suppress(NewsdeskError):
                            put_and_search(newsdesk.extract_page(item))
            yield read

    for line in sys.stdin:
        kind, name = line.split("\t", 1)
        path = Path(name.strip())
        outcome = {"result": "ok", "detail": ""}
        started = time.process_time()
        for step in steps(kind, path):
            try:
                step()
            except NewsdeskError as error:
                outcome = {"result": "error", "detail": f"{type(error).__name__}: {error}"[:200]}
            except Exception:
                outcome = {"result": "traceback", "detail": traceback.format_exc()[-1500:]}
                break
        outcome["cpu"] = f"{time.process_time() - started:.3f}"
        print(json.dumps(outcome), flush=True)


class Worker:
    """A worker process, started again after it hangs or dies."""

    def __init__(self, store_path: str) -> None:
        self.store_path = store_path
        self.process: subprocess.Popen[str] | None = None

    def run(self, case: Case, timeout: float) -> dict[str, str]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen([sys.executable, __file__, "--worker", self.store_path],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{case.kind}\t{case.path}\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.stop()
            return {"result": "hang", "detail": f"no answer within {timeout:.0f} s", "cpu": ""}
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            self.process = None
            return {"result": "crash", "detail": f"the worker died (exit {code})", "cpu": ""}
        return dict(json.loads(line))

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=30, help="shared pages each page mutation is made from")
    parser.add_argument("--seed", type=int, default=18, help="seed of the case generator")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds a case may take (a hang past it)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    rows: dict[tuple[str, str], list[dict[str, str]]] = {}
    failures: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="newsdesk-fuzz-") as folder:
        runner = Worker(str(Path(folder) / "store.db"))
        try:
            for case in cases(Path(folder), args.pages, args.seed):
                outcome = runner.run(case, args.timeout)
                case.path.unlink()
                rows.setdefault((case.kind, case.mutation), []).append(outcome)
                if outcome["result"] in ("traceback", "hang", "crash"):
                    failures.append(f"{case.mutation} of {case.origin}: {outcome['result']}\n"
                                    f"{outcome['detail']}")
        finally:
            runner.stop()
    print(f"{'input':8} {'mutation':24} {'cases':>6} {'article':>8} {'clear error':>12} {'traceback':>10} "
          f"{'hang':>5} {'crash':>6} {'max CPU s':>10}")
    total = {"cases": 0, "traceback": 0, "hang": 0, "crash": 0}
    for (kind, mutation), outcomes in rows.items():
        count = {name: sum(o["result"] == name for o in outcomes)
                 for name in ("ok", "error", "traceback", "hang", "crash")}
        worst = max((float(o["cpu"]) for o in outcomes if o["cpu"]), default=0.0)
        print(f"{kind:8} {mutation:24} {len(outcomes):6} {count['ok']:8} {count['error']:12} "
              f"{count['traceback']:10} {count['hang']:5} {count['crash']:6} {worst:10.2f}")
        total["cases"] += len(outcomes)
        for name in ("traceback", "hang", "crash"):
            total[name] += count[name]
    print(f"{total['cases']} cases in {time.monotonic() - started:.0f} s (timeout {args.timeout:.0f} s per "
          f"case, seed {args.seed}): {total['traceback']} tracebacks, {total['hang']} hangs, "
          f"{total['crash']} crashes")
    for failure in failures:
        print("\n" + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
