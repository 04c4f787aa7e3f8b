"""Generated corpus messages too big to commit (deep nesting, huge headers, huge bodies)."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.eml"))


def deep_nesting(levels: int = 1000) -> bytes:
    head = b"From: a@ac-dijon.fr\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(levels)
    )
    closing = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(levels)))
    return head + opening + b"Content-Type: text/plain\r\n\r\nau fond" + closing


def huge_header_line(size: int = 1024 * 1024) -> bytes:
    return (
        b"From: " + b"x " * (size // 2) + b"<a@ac-dijon.fr>\r\n"
        b"Subject: " + b"=?utf-8?q?a?= " * (size // 14) + b"\r\n"
        b'Content-Type: text/plain; name="' + b"n" * size + b'"\r\n\r\ncorps\r\n'
    )


def huge_body(megabytes: int = 48) -> bytes:
    line = b"x" * 75 + b"\r\n"
    return b"From: a@ac-dijon.fr\r\nSubject: gros\r\nContent-Type: text/plain\r\n\r\n" + line * (
        megabytes * 1024 * 1024 // len(line)
    )


def many_parts(count: int = 1000) -> bytes:
    parts = b"".join(
        b"--b\r\nContent-Type: text/plain\r\n\r\npartie %d\r\n" % i for i in range(count)
    )
    return (
        b"From: a@ac-dijon.fr\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        + parts
        + b"--b--\r\n"
    )
