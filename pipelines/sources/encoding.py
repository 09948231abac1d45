"""Which encoding a text file is in, and a UTF-8 copy of it when it is not UTF-8.

The catalogue gives one encoding (``encoding: cp1252``), the encodings a source is known to ship in
(``encoding: [utf-8, latin-1]``: the file's own is detected among them) or ``auto`` (detected among all).
Detection uses charset-normalizer on the first megabytes; the choice is then checked on every byte of the
file in one streaming pass, which also writes the UTF-8 copy the parser reads. What cannot be text is named
before any of that: UTF-16 (by its byte-order mark or its zero bytes) and binary files (ZIP and Excel
workbooks, gzip, PDF, Parquet, SQLite, or any file with zero bytes).

A file that is valid UTF-8 with non-ASCII characters while the catalogue says a single-byte encoding
(cp1252, latin-1) is refused: read that way its accents would turn into pairs of wrong characters.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import InputFileError

AUTO = "auto"
# Named first when several encodings read a sample the same way (a short sample often fits many code pages).
COMMON = ("utf-8", "cp1252", "latin-1")
SAMPLE_BYTES = 4 << 20
_CHUNK = 16 << 20

SIGNATURES: dict[bytes, str] = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook is one)",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an Excel 97-2003 workbook (.xls)",
    b"\x1f\x8b": "a gzip archive",
    b"%PDF": "a PDF document",
    b"PAR1": "a Parquet file",
    b"SQLite format 3\x00": "an SQLite database",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ\x00": "an xz archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
}
UTF16_BOMS = {b"\xff\xfe": "UTF-16 (little-endian, with a byte-order mark)",
              b"\xfe\xff": "UTF-16 (big-endian, with a byte-order mark)"}


@dataclass(frozen=True)
class Declared:
    """The catalogue's encoding and where it is written (for messages)."""

    encodings: tuple[str, ...]  # ("auto",) for detection among all
    where: str  # e.g. "assets/mx_denue.yaml line 14"

    @classmethod
    def of(cls, encoding: str | tuple[str, ...] | list[str], where: str) -> Declared:
        names = (encoding,) if isinstance(encoding, str) else tuple(encoding)
        return cls(names, where)

    @property
    def is_detected(self) -> bool:
        return len(self.encodings) > 1 or self.encodings == (AUTO,)

    def text(self) -> str:
        if self.encodings == (AUTO,):
            return AUTO
        return self.encodings[0] if len(self.encodings) == 1 else "[" + ", ".join(self.encodings) + "]"


def canonical(name: str) -> str:
    return codecs.lookup(name).name


def is_known(name: str) -> bool:
    """A name the catalogue may give: a Python codec, or auto."""
    if name == AUTO:
        return True
    try:
        canonical(name)
        return True
    except LookupError:
        return False


def _named(among: tuple[str, ...], encoding: str) -> str | None:
    """The catalogue's own spelling of an encoding it lists (utf8 for utf-8), or None."""
    return next((a for a in among if canonical(a) == canonical(encoding)), None)


def _is_single_byte(name: str) -> bool:
    return canonical(name) not in ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig")


def sniff_non_text(head: bytes) -> tuple[str, str] | None:
    """(what the file is, kind) when it is UTF-16 or binary; kind is "utf-16" or "binary"."""
    for bom, what in UTF16_BOMS.items():
        if head.startswith(bom) and not head.startswith(b"\xff\xfe\x00\x00"):
            return what, "utf-16"
    for signature, what in SIGNATURES.items():
        if head.startswith(signature):
            return what, "binary"
    sample = head[:4096]
    if sample and b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        if odd and odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
            return "UTF-16 (little-endian, without a byte-order mark)", "utf-16"
        if even and even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "UTF-16 (big-endian, without a byte-order mark)", "utf-16"
        return f"binary (it contains zero bytes, the first at byte {sample.index(0):,})", "binary"
    return None


def detect(sample: bytes, among: tuple[str, ...] | None) -> str | None:
    """The most likely encoding of a sample (charset-normalizer), among the given ones when given."""
    from charset_normalizer import from_bytes

    utf8 = [e for e in among or () if canonical(e) == "utf-8"]
    if utf8:
        try:
            sample.decode("utf-8")
            return utf8[0]
        except UnicodeDecodeError as exc:
            if exc.start >= len(sample) - 3:  # only a character cut by the end of the sample
                return utf8[0]
    isolation = [canonical(e).replace("-", "_") for e in among] if among else None
    results = from_bytes(sample, cp_isolation=isolation)
    best = results.best()
    if best is None:
        return None
    # Among guesses as likely as the best (a short sample often fits many code pages equally), and encodings
    # that give the same text, the most common in offices' files is named.
    tied = [r for r in results
            if abs(r.chaos - best.chaos) <= 0.01 and abs(r.coherence - best.coherence) <= 0.01]
    same = {canonical(e) for r in tied for e in r.could_be_from_charset}
    preferred = next((e for e in COMMON if canonical(e) in same), None)
    if preferred and not among:
        return preferred
    if preferred and _named(among, preferred):
        return _named(among, preferred)
    return (_named(among, best.encoding) if among else None) or best.encoding


def _fix_line(declared: Declared, suggestion: str) -> str:
    return f"change `encoding: {declared.text()}` at {declared.where} to `encoding: {suggestion}`"


def _decode_failure(path: Path, encoding: str, declared: Declared, chunk: bytes, start: int, line: int) -> InputFileError:
    bad = chunk[start] if 0 <= start < len(chunk) else 0
    window = chunk[max(0, start - (SAMPLE_BYTES // 2)): start + SAMPLE_BYTES // 2]
    guess = detect(window, None)
    looks = f"; the file looks {guess} (detected)" if guess and canonical(guess) != canonical(encoding) else ""
    if guess and canonical(guess) != canonical(encoding):
        fix = (f"If the whole file is {guess}, {_fix_line(declared, guess)} (or list the encodings the source "
               f"ships in, e.g. `encoding: [{encoding}, {guess}]`); otherwise re-save the file as {encoding}.")
    else:
        fix = f"Re-save the file as {encoding}, or give its encoding at {declared.where}."
    return InputFileError(
        path,
        f"byte 0x{bad:02x} is not valid {encoding} (the catalogue's encoding, {declared.where}){looks}",
        fix,
        line=line,
    )


def transcode(path: Path, encoding: str, declared: Declared, target: Path | None) -> int:
    """Check every byte of the file in ``encoding`` (and write it as UTF-8 to ``target`` when given); refuse
    UTF-8 declared as a single-byte encoding. Returns the number of line breaks."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    utf8_check = codecs.getincrementaldecoder("utf-8")(errors="strict") if _is_single_byte(encoding) else None
    utf8_multibyte = False
    lines_before = 0
    out = open(target, "wb") if target is not None else None  # noqa: SIM115
    try:
        with open(path, "rb") as handle:
            first = True
            while True:
                chunk = handle.read(_CHUNK)
                final = not chunk
                try:
                    text = decoder.decode(chunk, final=final)
                except UnicodeDecodeError as exc:
                    line = lines_before + chunk[: max(exc.start, 0)].count(b"\n") + 1
                    raise _decode_failure(path, encoding, declared, chunk, exc.start, line) from None
                if utf8_check is not None:
                    try:
                        utf8_check.decode(chunk, final=final)
                        utf8_multibyte = utf8_multibyte or not chunk.isascii()
                    except UnicodeDecodeError:
                        utf8_check = None
                if out is not None:
                    if first:
                        text = text.removeprefix("\ufeff")
                    out.write(text.encode("utf-8"))
                first = False
                lines_before += chunk.count(b"\n")
                if final:
                    break
    finally:
        if out is not None:
            out.close()
    if utf8_check is not None and utf8_multibyte:
        raise InputFileError(
            path,
            f"the file is UTF-8 with non-ASCII characters, but the catalogue says {encoding} ({declared.where}): "
            "read that way every accented letter would become two wrong characters",
            f"C{_fix_line(declared, 'utf-8')[1:]}, or re-save the file as {encoding}.",
        )
    return lines_before


def readable_utf8(path: Path, declared: Declared, workdir: Path | None) -> tuple[Path, int]:
    """(a UTF-8 version of the file, its number of line breaks); the file itself when it is UTF-8 without a
    byte-order mark. See the module docstring."""
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    allowed = None if declared.encodings == (AUTO,) else declared.encodings
    non_text = sniff_non_text(head)
    if non_text is not None:
        what, kind = non_text
        utf16 = [e for e in (allowed or ()) if canonical(e).startswith("utf-16")]
        if kind == "utf-16" and (utf16 or allowed is None):
            encodings = [utf16[0] if utf16 else "utf-16"]
        elif kind == "utf-16":
            raise InputFileError(
                path, f"the file is {what}, but the catalogue says {declared.text()}",
                f"Re-save it as {declared.text() if declared.encodings != (AUTO,) else 'UTF-8'}, or "
                f"{_fix_line(declared, 'utf-16')}.",
            )
        else:
            raise InputFileError(
                path, f"the file is not delimited text: it is {what}",
                "Export the data as delimited text (CSV) and put that file in its place.",
            )
    elif declared.is_detected:
        guess = detect(head, allowed)
        candidates = list(allowed or ())
        encodings = ([guess] if guess else []) + [e for e in candidates if e != guess]
        if not encodings:
            raise InputFileError(path, "its encoding cannot be detected",
                                 f"Give the encoding at {declared.where} (e.g. `encoding: cp1252`).")
    else:
        encodings = [declared.encodings[0]]
    failures = []
    for encoding in encodings:
        utf8 = canonical(encoding) == "utf-8" and not head.startswith(codecs.BOM_UTF8)
        target = None if utf8 else Path(workdir or path.parent) / f"{path.name}.utf8"
        try:
            line_breaks = transcode(path, encoding, declared, target)
            return target or path, line_breaks
        except InputFileError as exc:
            if len(encodings) == 1:
                raise
            failures.append(f"{encoding}: {exc.problem}" + (f" (line {exc.line:,})" if exc.line else ""))
    raise InputFileError(
        path,
        f"the file is in none of the encodings the catalogue allows ({declared.text()}, {declared.where}): "
        + "; ".join(failures),
        "Re-save the file in one of them, or add its encoding to that list.",
    )
