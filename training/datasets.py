"""Labelled comment collections: TubeSpam CSV and JSON Lines."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from model.artifact import COMMENT_TYPE
from model.text import normalise, without_post_links

SHIPPED = Path(__file__).parent / "data"
SPAM, HAM = 1, 0
_LABELS = {"spam": SPAM, "1": SPAM, "ham": HAM, "0": HAM}
# The post each shipped TubeSpam file's comments sit under (training/data/README.md): a link
# to it is taken out of the text, as the service does with the post URL it is sent.
POST_URLS = {
    "Youtube01-Psy.csv": "https://www.youtube.com/watch?v=9bZkp7q19f0",
    "Youtube02-KatyPerry.csv": "https://www.youtube.com/watch?v=CevxZvSJLk8",
    "Youtube03-LMFAO.csv": "https://www.youtube.com/watch?v=KQ6zr6kCPj8",
    "Youtube04-Eminem.csv": "https://www.youtube.com/watch?v=uelHwf8o7_U",
}
# The titles of those videos (training/data/README.md): a comment's relevance to its post.
POST_TITLES = {
    "Youtube01-Psy.csv": "PSY – Gangnam Style",
    "Youtube02-KatyPerry.csv": "Katy Perry – Roar",
    "Youtube03-LMFAO.csv": "LMFAO – Party Rock Anthem",
    "Youtube04-Eminem.csv": "Eminem – Love the Way You Lie",
}


class DatasetError(Exception):
    """A data file cannot be read as labelled comments."""


@dataclass(frozen=True)
class Example:
    """One labelled comment."""

    text: str
    label: int
    source: str
    weight: float = 1.0
    kind: str = COMMENT_TYPE
    """The comment type (comment, trackback, pingback, contact-form, ...)."""
    title: str | None = None
    """The title of the post the comment sits under, when known."""


def _label(value: object, where: str) -> int:
    """Parse ``spam``/``ham`` or 1/0 into 1/0."""
    try:
        return _LABELS[str(value).strip().lower()]
    except KeyError:
        raise DatasetError(f"{where}: label {value!r} is not spam/ham or 1/0") from None


def read_csv(path: Path) -> Iterator[Example]:
    """Yield the rows of a TubeSpam CSV (COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS).

    Only CONTENT is read: AUTHOR and DATE leak the label in these files. A shipped file's
    links to its own video are taken out (POST_URLS), and its video's title is kept
    (POST_TITLES).
    """
    post_url = POST_URLS.get(path.name)
    title = POST_TITLES.get(path.name)
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not {"CONTENT", "CLASS"} <= set(reader.fieldnames):
            raise DatasetError(f"{path}: expected a TubeSpam CSV with CONTENT and CLASS columns")
        for n, row in enumerate(reader, start=2):
            text = without_post_links(row["CONTENT"], post_url)
            yield Example(text, _label(row["CLASS"], f"{path}:{n}"), path.name, title=title)


def read_jsonl(path: Path, label: int | None = None) -> Iterator[Example]:
    """Yield the lines of a JSON Lines file with ``text`` or ``content`` and ``label``.

    A corpus of one class has no ``label`` field: pass the class as ``label``. Optional, as
    the check API takes them: ``type``, and ``post`` with ``url`` (a link to the post is
    taken out of the text) and ``title`` (the comment's relevance to its post).
    """
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                raise DatasetError(f"{path}:{n}: not JSON: {e}") from None
            text = row.get("text", row.get("content")) if isinstance(row, dict) else None
            if not isinstance(text, str) or ("label" not in row and label is None):
                raise DatasetError(f"{path}:{n}: needs a string `text` or `content` and a `label`")
            if "label" in row:
                label_here = _label(row["label"], f"{path}:{n}")
            else:
                label_here = HAM if label is None else label
            post = row.get("post") if isinstance(row.get("post"), dict) else {}
            url, title = post.get("url"), post.get("title")
            kind = row.get("type")
            yield Example(
                without_post_links(text, url if isinstance(url, str) else None),
                label_here,
                path.name,
                kind=kind if isinstance(kind, str) and kind else COMMENT_TYPE,
                title=title if isinstance(title, str) else None,
            )


def read_sms(path: Path) -> Iterator[Example]:
    """Yield the lines of the SMS Spam Collection (``ham|spam<TAB>text``, quotes literal)."""
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            label, tab, text = line.rstrip("\n").partition("\t")
            if not tab:
                raise DatasetError(f"{path}:{n}: expected `label<TAB>text`")
            yield Example(text, _label(label, f"{path}:{n}"), path.name)


def read_file(path: Path) -> list[Example]:
    """Read one data file, choosing the format by its extension."""
    if path.suffix.lower() == ".csv":
        return list(read_csv(path))
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        return list(read_jsonl(path))
    raise DatasetError(f"{path}: unknown format (use .csv in TubeSpam format or .jsonl)")


def data_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into their data files (not recursive), sorted by name."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in (".csv", ".jsonl")))
        elif p.is_file():
            files.append(p)
        else:
            raise DatasetError(f"{p}: no such file or directory")
    if not files:
        raise DatasetError("no .csv or .jsonl data files found in " + ", ".join(map(str, paths)))
    return files


def dedupe(examples: Iterable[Example]) -> list[Example]:
    """Drop later copies of the same normalised text (the first label wins)."""
    seen: set[str] = set()
    kept = []
    for ex in examples:
        key = normalise(ex.text).lower()
        if key not in seen:
            seen.add(key)
            kept.append(ex)
    return kept
