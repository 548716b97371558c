"""Readers: turn files, folders and cached Hugging Face datasets into a stream of Records.

A reader yields :class:`~datalint.io.record.Record` objects and :class:`ReaderEvent` objects (a
problem at a place in the file: a line that does not parse, a byte-order mark…).  A file that
cannot be read at all raises :class:`InputFileError`; the engine reports it and goes on with
the other files.  Readers open files read-only and never write to them.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import orjson

from ..errors import InputFileError
from ..rules.format.empty_file import EMPTY_FILE
from ..rules.format.file_encoding import FILE_ENCODING
from ..rules.format.invalid_json import INVALID_JSON
from ..rules.format.malformed_row import MALFORMED_ROW
from .record import Record

#: Lines longer than this are reported and skipped instead of parsed (bytes).
DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
JSON_SUFFIXES = (".json", ".json.gz")
CSV_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet",)
SUPPORTED_SUFFIXES = JSONL_SUFFIXES + JSON_SUFFIXES + CSV_SUFFIXES + PARQUET_SUFFIXES

#: Files inside data folders that are metadata, not data.
METADATA_FILES = {"dataset_info.json", "state.json", "dataset_dict.json", "package.json",
                  "tsconfig.json", "dataset_infos.json"}

#: Columns whose string cells may hold JSON (CSV files carrying chat records).
JSON_COLUMNS = ("messages", "conversations", "chosen", "rejected", "prompt", "completion",
                "history")


@dataclass(slots=True)
class ReaderEvent:
    code: str  # the reader rule's code, e.g. INVALID_JSON (F001)
    path: str
    line: int | None
    message: str
    index: int | None = None
    severity: str | None = None  # None: the rule's severity


@dataclass(slots=True)
class Source:
    """One thing to read: a file, or a saved Hugging Face dataset split."""

    path: str  # as displayed in findings
    kind: str  # "jsonl" | "json" | "csv" | "parquet" | "arrow"
    files: tuple[str, ...] = ()  # arrow: the data files, in order; others: the file to open
    # when it differs from ``path`` (a dataset id in the Hugging Face cache)


# ---------------------------------------------------------------------------------------------
# discovery
# ---------------------------------------------------------------------------------------------

def _kind_of(name: str) -> str | None:
    low = name.lower()
    if low.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if low.endswith(JSON_SUFFIXES):
        return "json"
    if low.endswith(CSV_SUFFIXES):
        return "csv"
    if low.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return None


def _saved_dataset_sources(folder: Path, display: str) -> list[Source] | None:
    """Sources for a folder written by ``datasets.save_to_disk`` (Dataset or DatasetDict)."""
    if (folder / "dataset_dict.json").is_file():
        try:
            splits = orjson.loads((folder / "dataset_dict.json").read_bytes()).get("splits", [])
        except (orjson.JSONDecodeError, AttributeError, OSError) as e:
            raise InputFileError(display, f"unreadable dataset_dict.json ({e})") from None
        out = []
        for split in splits:
            sub = _saved_dataset_sources(folder / str(split), f"{display.rstrip('/')}/{split}")
            if sub:
                out.extend(sub)
        return out
    if (folder / "state.json").is_file():
        try:
            state = orjson.loads((folder / "state.json").read_bytes())
            names = [d["filename"] for d in state.get("_data_files", [])]
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, OSError) as e:
            raise InputFileError(display, f"unreadable state.json ({e})") from None
        if not names:
            names = sorted(p.name for p in folder.glob("*.arrow"))
        return [Source(display, "arrow", tuple(str(folder / n) for n in names))]
    return None


def _walk(folder: Path, display: str) -> Iterator[Source]:
    saved = _saved_dataset_sources(folder, display)
    if saved is not None:
        yield from saved
        return
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as e:
        raise InputFileError(display, f"cannot list folder ({e.strerror})") from None
    for e in entries:
        if e.name.startswith((".", "__")):
            continue
        child = os.path.join(display, e.name)
        if e.is_dir(follow_symlinks=False):
            yield from _walk(Path(e.path), child)
        elif e.name not in METADATA_FILES:
            kind = _kind_of(e.name)
            if kind:
                yield Source(child, kind, (e.path,) if e.path != child else ())


def hf_cache_sources(dataset_id: str) -> list[Source] | None:
    """Sources for a Hugging Face dataset id that is already in the local cache.

    Looks in the hub cache (the repository's files as downloaded) first, then in the
    ``datasets`` cache (Arrow files written by ``load_dataset``).  Never downloads.
    """
    if not re.fullmatch(r"[\w.-]+(/[\w.-]+)?", dataset_id):
        return None
    home = Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface"))
    hub = Path(os.environ.get("HF_HUB_CACHE", os.environ.get("HUGGINGFACE_HUB_CACHE",
                                                              home / "hub")))
    repo = hub / ("datasets--" + dataset_id.replace("/", "--"))
    if repo.is_dir():
        snap = None
        ref = repo / "refs" / "main"
        try:
            if ref.is_file():
                snap = repo / "snapshots" / ref.read_text().strip()
            if snap is None or not snap.is_dir():
                snaps = sorted((p for p in (repo / "snapshots").glob("*") if p.is_dir()),
                               key=lambda p: p.stat().st_mtime)
                snap = snaps[-1] if snaps else None
        except OSError:
            snap = None
        if snap is not None:
            srcs = list(_walk(snap, dataset_id))
            if srcs:
                return srcs
    dcache = Path(os.environ.get("HF_DATASETS_CACHE", home / "datasets"))
    base = dcache / dataset_id.replace("/", "___")
    if base.is_dir():
        arrows = sorted(base.rglob("*.arrow"))
        if arrows:
            by_split: dict[str, list[str]] = {}
            for a in arrows:
                m = re.search(r"-(\w+?)(?:-\d{5}-of-\d{5})?\.arrow$", a.name)
                split = m.group(1) if m else a.stem
                by_split.setdefault(split, []).append(str(a))
            return [Source(f"{dataset_id}/{s}", "arrow", tuple(fs)) for s, fs in by_split.items()]
    return None


def discover(paths: list[str]) -> list[Source]:
    """Expand command-line arguments to sources. Raises InputFileError for a bad argument."""
    out: list[Source] = []
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            found = list(_walk(p, arg))
            if not found:
                raise InputFileError(arg, "folder holds no data files (.jsonl, .ndjson, .json, "
                                          ".csv, .tsv, .parquet, or a saved dataset)")
            out.extend(found)
        elif p.exists():
            kind = _kind_of(p.name)
            if kind is None:
                # a file named on the command line is read as JSON Lines unless it says otherwise
                kind = "jsonl"
            out.append(Source(arg, kind))
        else:
            srcs = hf_cache_sources(arg)
            if srcs is None:
                raise InputFileError(arg, "no such file or folder, and no dataset of that name in "
                                          "the local Hugging Face cache (datalint never downloads)")
            out.extend(srcs)
    return out


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


_READ_BUFFER = 1 << 20


def _open_binary(real: str, path: str | None = None):
    """Open ``real`` for reading; errors name ``path`` (what the user sees)."""
    path = path or real
    try:
        if path.lower().endswith(".gz") or real.lower().endswith(".gz"):
            return gzip.open(real, "rb")
        # a large buffer: fewer reads, and fewer lines that straddle two of them (a third
        # faster per line than the default 8 KiB on the record-pass benchmark)
        return open(real, "rb", buffering=_READ_BUFFER)
    except FileNotFoundError:
        raise InputFileError(path, "file not found (it vanished or was moved)") from None
    except IsADirectoryError:
        raise InputFileError(path, "is a folder, not a file") from None
    except PermissionError:
        raise InputFileError(path, "permission denied") from None
    except OSError as e:
        raise InputFileError(path, f"cannot open ({e.strerror or e})") from None


def _peek(f, size: int = 8192) -> bytes:
    """The first bytes of an open binary file, without consuming them."""
    return f.peek(size)[:size]


def _sniff(head: bytes) -> tuple[str | None, int]:
    """The encoding announced by a byte-order mark, and the mark's length."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc, len(bom)
    return None, 0


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` for mostly-ASCII UTF-16 text that has no byte-order mark."""
    n = len(head) - len(head) % 2
    if n < 4:
        return None
    even, odd = head[0:n:2], head[1:n:2]
    half = n // 2
    if odd.count(0) >= half * 0.9 and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= half * 0.9 and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _encoding(head: bytes) -> tuple[str | None, int, str | None]:
    """(encoding, byte-order-mark length, message for a file that is not plain UTF-8)."""
    enc, bom_len = _sniff(head)
    if enc == "utf-8-sig":
        return enc, bom_len, ("file starts with a UTF-8 byte-order mark (BOM); many loaders "
                              "read it into the first field name")
    if enc is not None:
        return enc, bom_len, (f"file is {enc.upper()}, not UTF-8; most training loaders "
                              "expect UTF-8")
    enc = _utf16_without_bom(head)
    if enc is not None:
        return enc, 0, (f"file is {enc.upper()} without a byte-order mark, not UTF-8; most "
                        "training loaders expect UTF-8")
    return None, 0, None


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    if head.startswith((b"\x89PNG", b"PK\x03\x04", b"\x1f\x8b", b"PAR1", b"\x7fELF", b"%PDF")):
        return True
    nul = head.count(b"\x00")
    if nul == 0:
        return False
    # UTF-16 without a BOM has a NUL in every other byte of ASCII text
    if nul > len(head) // 3:
        return True
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return ctrl > len(head) // 10


def _decode_error(line: bytes) -> str | None:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"invalid UTF-8 byte 0x{line[e.start]:02x} at column {e.start + 1}"
    return None


NUL = b"\x00"


def _json_error(line: bytes, exc: orjson.JSONDecodeError) -> str:
    if b"\x00" in line:
        return f"contains a NUL byte at column {line.index(NUL) + 1}"
    bad = _decode_error(line)
    if bad:
        return bad
    msg = str(exc).split(": line", 1)[0]
    if "recursion" in msg.lower() or "depth limit" in msg.lower():
        return "nested too deeply to parse (over 1,024 levels)"
    if msg.startswith("unexpected end of data"):
        return "unexpected end of data: the line ends before the JSON value is complete"
    col = getattr(exc, "colno", None)
    return f"{msg} (column {col})" if col else msg


class _Reader:
    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES):
        self.max_line_bytes = max_line_bytes

    def read(self, src: Source) -> Iterator[Record | ReaderEvent]:
        real = src.files[0] if src.files else None
        if src.kind == "jsonl":
            return self.read_jsonl(src.path, real)
        if src.kind == "json":
            return self.read_json(src.path, real)
        if src.kind == "csv":
            return self.read_csv(src.path, real)
        if src.kind == "parquet":
            return self.read_parquet(src.path, real)
        if src.kind == "arrow":
            return self.read_arrow(src)
        raise InputFileError(src.path, f"unsupported kind {src.kind}")

    # -- JSON Lines -----------------------------------------------------------------------
    def read_jsonl(self, path: str, real: str | None = None) -> Iterator[Record | ReaderEvent]:
        # one open only: the path may be a pipe (``datalint check <(zcat x.gz)``)
        f = _open_binary(real or path, path)
        with f:
            try:
                head = _peek(f)
            except OSError as e:
                raise InputFileError(path, f"cannot read ({e.strerror or e})") from None
            enc, bom_len, note = _encoding(head)
            if enc is None and _looks_binary(head):
                yield ReaderEvent(FILE_ENCODING, path, None,
                                  "binary content, not a UTF-8 text file: not linted",
                                  severity="error")
                return
            if not head:
                yield ReaderEvent(EMPTY_FILE, path, None, "file has no records")
                return
            if note:
                yield ReaderEvent(FILE_ENCODING, path, 1, note)
            if enc == "utf-8-sig":
                f.read(bom_len)
                lines = self._binary_lines(f, path)
            elif enc is not None:
                # surrogatepass: a lone surrogate fails its own line (below), not the file
                text = io.TextIOWrapper(f, encoding=enc, errors="surrogatepass", newline="\n")
                lines = (ln.encode("utf-8", "surrogatepass") for ln in text)
            else:
                lines = self._binary_lines(f, path)
            index = 0
            lineno = 0
            invalid = 0
            loads = orjson.loads
            new_record = Record.plain
            try:
                for line in lines:
                    lineno += 1
                    if type(line) is ReaderEvent:
                        line.line = lineno
                        invalid += 1
                        yield line
                        continue
                    try:
                        obj = loads(line)
                    except orjson.JSONDecodeError as exc:
                        if not line.strip():
                            continue  # blank lines are tolerated
                        invalid += 1
                        msg = _json_error(line, exc)
                        if enc is not None and msg.startswith("invalid UTF-8"):
                            msg = f"invalid {enc.upper()}: a lone surrogate" + msg[msg.index(
                                " at column"):]
                        yield ReaderEvent(INVALID_JSON, path, lineno, msg)
                        continue
                    yield new_record(path, lineno, index, obj)
                    index += 1
            except UnicodeDecodeError as e:
                invalid += 1
                yield ReaderEvent(FILE_ENCODING, path, lineno + 1,
                                  f"cannot decode as {enc}: {e.reason}; rest of file not linted",
                                  severity="error")
            except (OSError, EOFError, zlib.error) as e:
                raise InputFileError(path, f"read failed at line {lineno + 1} "
                                           f"({getattr(e, 'strerror', None) or e})") from None
            # a file of only invalid lines already has a finding per line: no second one here
            if index == 0 and not invalid:
                yield ReaderEvent(EMPTY_FILE, path, None, "file has no records")

    def _binary_lines(self, f, path: str) -> Iterator[bytes | ReaderEvent]:
        limit = self.max_line_bytes
        readline = f.readline
        while True:
            line = readline(limit + 1)
            if not line:
                return
            if len(line) > limit and not line.endswith(b"\n"):
                size = len(line)
                del line
                while True:  # skip the rest of the line without keeping it
                    chunk = readline(1 << 20)
                    size += len(chunk)
                    if not chunk or chunk.endswith(b"\n"):
                        break
                yield ReaderEvent(INVALID_JSON, path, None,
                                  f"line is {size / 1e6:.0f} MB, over the {limit / 1e6:.0f} MB "
                                  "line limit (--max-line-bytes): not parsed")
                continue
            yield line

    # -- JSON (array or object) -----------------------------------------------------------
    def read_json(self, path: str, real: str | None = None) -> Iterator[Record | ReaderEvent]:
        f = _open_binary(real or path, path)
        with f:
            try:
                data = f.read()
            except (OSError, EOFError, zlib.error) as e:
                raise InputFileError(path, f"cannot read ({getattr(e, 'strerror', None) or e})"
                                     ) from None
        enc, bom_len, note = _encoding(data[:8192])
        if enc is None and _looks_binary(data[:8192]):
            yield ReaderEvent(FILE_ENCODING, path, None,
                              "binary content, not a UTF-8 text file: not linted",
                              severity="error")
            return
        if not data[bom_len:].strip():
            yield ReaderEvent(EMPTY_FILE, path, None, "file has no records")
            return
        if note:
            yield ReaderEvent(FILE_ENCODING, path, 1, note)
        if enc == "utf-8-sig":
            data = data[bom_len:]
        elif enc is not None:
            try:
                data = data.decode(enc).encode("utf-8", "surrogatepass")
            except UnicodeDecodeError as e:
                yield ReaderEvent(FILE_ENCODING, path, None,
                                  f"cannot decode as {enc}: {e.reason}: not linted",
                                  severity="error")
                return
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            line = getattr(exc, "lineno", None)
            if "after document" in str(exc) and line and line > 1:
                # a .json file that is really JSON Lines
                yield from self._jsonl_from_bytes(path, data)
                return
            yield ReaderEvent(INVALID_JSON, path, line,
                              _json_error(data.splitlines()[line - 1] if line else data, exc)
                              + "; the whole file is unreadable")
            return
        prefix = ""
        if isinstance(obj, dict):
            inner = [k for k, v in obj.items() if isinstance(v, list) and v
                     and all(isinstance(x, dict) for x in v[:5])]
            record_keys = {"messages", "conversations", "instruction", "prompt", "text", "chosen"}
            if len(inner) == 1 and not (record_keys & obj.keys()):
                prefix = inner[0]
                obj = obj[prefix]
            else:
                yield Record(path, 1, 0, obj)
                return
        if not isinstance(obj, list):
            yield Record(path, 1, 0, obj)
            return
        if not obj:
            yield ReaderEvent(EMPTY_FILE, path, None, "file holds an empty list: no records")
            return
        lines = _element_lines(data, len(obj), prefix or None)
        for i, item in enumerate(obj):
            yield Record(path, lines[i] if lines else None, i, item)

    def _jsonl_from_bytes(self, path: str, data: bytes) -> Iterator[Record | ReaderEvent]:
        index = 0
        for lineno, line in enumerate(data.split(b"\n"), 1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield ReaderEvent(INVALID_JSON, path, lineno, _json_error(line, exc))
                continue
            yield Record(path, lineno, index, obj)
            index += 1

    # -- CSV / TSV ------------------------------------------------------------------------
    def read_csv(self, path: str, real: str | None = None) -> Iterator[Record | ReaderEvent]:
        raw = _open_binary(real or path, path)
        try:
            head = _peek(raw)
        except OSError as e:
            raw.close()
            raise InputFileError(path, f"cannot read ({e.strerror or e})") from None
        enc, bom_len, note = _encoding(head)
        if enc is None and _looks_binary(head):
            raw.close()
            yield ReaderEvent(FILE_ENCODING, path, None,
                              "binary content, not a UTF-8 text file: not linted",
                              severity="error")
            return
        if note:
            yield ReaderEvent(FILE_ENCODING, path, 1, note)
        delim = "\t" if path.lower().endswith((".tsv", ".tsv.gz")) else ","
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        text = io.TextIOWrapper(raw, encoding=enc or "utf-8", errors="strict", newline="")
        index = 0
        header: list[str] | None = None
        with text:
            reader = csv.reader(text, delimiter=delim)
            try:
                for row in reader:  # the header is the first row that is not blank
                    if row and any(c.strip() for c in row):
                        header = row
                        break
                if header is None:
                    yield ReaderEvent(EMPTY_FILE, path, None, "file has no records")
                    return
                width = len(header)
                start = reader.line_num + 1
                for row in reader:
                    line = start
                    start = reader.line_num + 1
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue
                    if len(row) != width:
                        yield ReaderEvent(MALFORMED_ROW, path, line,
                                          f"row has {len(row)} field{'s' if len(row) != 1 else ''}"
                                          f", the header has {width}", index)
                    rec: dict[str, Any] = {}
                    for k, v in zip(header, row):
                        if k in JSON_COLUMNS and v[:1] in ("[", "{"):
                            try:
                                v = orjson.loads(v)
                            except orjson.JSONDecodeError:
                                pass
                        rec[k] = v
                    yield Record(path, line, index, rec)
                    index += 1
            except UnicodeDecodeError as e:
                yield ReaderEvent(FILE_ENCODING, path, reader.line_num + 1,
                                  f"cannot decode as {enc or 'utf-8'} ({e.reason}); rest of file "
                                  "not linted", severity="error")
            except csv.Error as e:
                yield ReaderEvent(MALFORMED_ROW, path, reader.line_num, f"CSV error: {e}")
            except (OSError, EOFError, zlib.error) as e:
                raise InputFileError(path, f"read failed ({getattr(e, 'strerror', None) or e})"
                                     ) from None
            if index == 0:
                yield ReaderEvent(EMPTY_FILE, path, None, "file has a header but no rows")

    # -- Parquet / Arrow ------------------------------------------------------------------
    def read_parquet(self, path: str, real: str | None = None) -> Iterator[Record | ReaderEvent]:
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(real or path)
        except FileNotFoundError:
            raise InputFileError(path, "file not found (it vanished or was moved)") from None
        except Exception as e:  # pyarrow raises several types for corrupt files
            raise InputFileError(path, f"not a readable Parquet file ({_short(e)})") from None
        index = 0
        try:
            for batch in pf.iter_batches(batch_size=2048):
                for row in batch.to_pylist():
                    yield Record(path, None, index, row)
                    index += 1
        except Exception as e:
            raise InputFileError(path, f"Parquet read failed at row {index} ({_short(e)})") from None
        if index == 0:
            yield ReaderEvent(EMPTY_FILE, path, None, "file has no rows")

    def read_arrow(self, src: Source) -> Iterator[Record | ReaderEvent]:
        import pyarrow as pa

        index = 0
        for fp in src.files:
            try:
                try:
                    reader = pa.ipc.open_stream(fp)
                except pa.ArrowInvalid:
                    reader = pa.ipc.open_file(fp)
                    batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
                else:
                    batches = iter(reader)
                for batch in batches:
                    for row in batch.to_pylist():
                        yield Record(src.path, None, index, row)
                        index += 1
            except FileNotFoundError:
                raise InputFileError(fp, "file not found (it vanished or was moved)") from None
            except Exception as e:
                raise InputFileError(fp, f"not a readable Arrow file ({_short(e)})") from None
        if index == 0:
            yield ReaderEvent(EMPTY_FILE, src.path, None, "dataset has no rows")


def _short(e: Exception) -> str:
    return str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__


_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_BRACKET = re.compile(rb"[\[\]{}]")


# every byte but the brackets, the quotes and the newline
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"\n')


def _container_starts(data: bytes, n: int) -> tuple[bytes, list[int]] | None:
    """For valid JSON text: the text's brackets and newlines outside its strings, and the
    positions in them of the ``n`` elements of the top-level array when each is an object or
    an array (None otherwise).  Made in C but for one step per bracket: escaped backslashes,
    then escaped quotes are dropped, so every quote left opens or closes a string; the text
    is cut at the quotes and every other piece (what lies between strings) kept.  A raw
    newline cannot be inside a JSON string, so the newlines kept are all of the text's."""
    kept = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    outside = b"".join(kept.split(b'"')[::2])
    starts: list[int] = []
    depth = 0
    for m in _BRACKET.finditer(outside):
        c = outside[m.start()]
        if c == 0x5B or c == 0x7B:  # [ {
            if depth == 1:
                starts.append(m.start())
            depth += 1
        else:
            depth -= 1
            if depth < 1:
                break
    return (outside, starts) if len(starts) == n else None


def _element_lines(data: bytes, n: int, key: str | None = None) -> list[int | None] | None:
    """Line numbers of the elements of a top-level JSON array (or of the array under ``key``
    in a top-level object) of valid JSON text; None when they cannot be matched up."""
    found = _container_starts(data, n) if key is None else None
    if found is None:
        found = _token_starts(data, n, key)
    return _lines_at(*found) if found is not None else None


def _token_starts(data: bytes, n: int, key: str | None = None
                  ) -> tuple[bytes, list[int]] | None:
    """The positions in ``data`` of the ``n`` elements of the top-level array (or of the
    array under ``key``), found with one regex scan and a step per string and bracket."""
    starts: list[int] = []
    depth = 0
    target = 1 if key is None else -1  # the depth of the array's elements; -1: not found yet
    want = orjson.dumps(key) if key is not None else None
    last = None
    for m in _TOKEN.finditer(data):
        c = data[m.start()]
        if c == 0x22:  # a string
            if depth == target:
                starts.append(m.start())
            elif depth == 1:
                last = m.group()
        elif c in (0x5B, 0x7B):  # [ {
            if depth == target:
                starts.append(m.start())
            elif target < 0 and depth == 1 and c == 0x5B and last == want:
                target = 2
            depth += 1
        else:
            depth -= 1
            if depth < target:
                break
    return (data, starts) if len(starts) == n else None


def _lines_at(data: bytes, starts: list[int]) -> list[int | None] | None:
    """The line of each position in ``starts`` (in order); None when two share a line."""
    lines: list[int | None] = []
    line, pos = 1, 0
    for s in starts:
        line += data.count(b"\n", pos, s)
        pos = s
        if lines and lines[-1] == line:
            return None  # several records share a line (minified JSON): lines don't locate
        lines.append(line)
    return lines


def read_source(src: Source, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES):
    return _Reader(max_line_bytes).read(src)
