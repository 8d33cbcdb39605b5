"""Is it text? A quick judgement of a file's first lines, so that a binary file, random bytes or a table of
numbers given as a corpus, a transfer set or a task file is refused before any work instead of trained on.

A line looks like text when it has no control characters (tabs aside), few replacement characters (what
undecodable bytes become), words of a plausible mean length and mostly letters among its non-space
characters, in any script (a script written without spaces passes on a short line only; such corpora are
outside what the default English teacher reads anyway). A file is refused
when most of its first `SAMPLE_LINES` non-blank lines do not look like text; the error gives the share found
and the first such line. Real text passes with a wide margin (every corpus, transfer and GLUE file in
../shared/data: at most a few percent of lines fail, tweets and number-heavy STS pairs included), so the rule
only stops what is not language at all. Written here because no maintained library judges this cheaply:
language identifiers (fastText lid, langdetect) need models or guess a language for any string.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from bertdistill.errors import DataError

SAMPLE_LINES = 2000          # non-blank lines judged per file
MOST = 0.5                   # refused when more than this share of them is not text
MIN_LETTER_SHARE = 0.5       # letters among a line's non-space characters
MAX_REPLACEMENT_SHARE = 0.1  # U+FFFD among a line's characters
MAX_MEAN_WORD = 25           # characters per space-separated word, on average (English: about 5)


def looks_like_text(line: str) -> bool:
    characters = [character for character in line if not character.isspace()]
    if not characters:
        return True
    if any(unicodedata.category(character) == "Cc" for character in characters):
        return False
    if line.count("\ufffd") > MAX_REPLACEMENT_SHARE * len(characters):
        return False
    if len(characters) > MAX_MEAN_WORD * len(line.split()):   # no word breaks: random characters, not words
        return False
    return sum(character.isalpha() for character in characters) >= MIN_LETTER_SHARE * len(characters)


def not_text_share(lines: Iterable[tuple[int, str]]) -> tuple[float, int | None, str | None]:
    """(share of the first non-blank lines that do not look like text, the first such line's number and text)."""
    judged = failed = 0
    first: tuple[int | None, str | None] = (None, None)
    for number, line in lines:
        if not line.strip():
            continue
        judged += 1
        if not looks_like_text(line):
            failed += 1
            if first[0] is None:
                first = (number, line)
        if judged == SAMPLE_LINES:
            break
    return (failed / judged if judged else 0.0), *first


def check_text(lines: Iterable[tuple[int, str]], where: str, what: str = "text") -> None:
    """Refuse `where` (a file, in one line) when most of its first lines are not text."""
    share, number, line = not_text_share(lines)
    if share > MOST:
        shown = line.strip()[:60].encode("unicode_escape").decode("ascii")
        raise DataError(f"{where}: {100 * share:.0f}% of its first lines do not look like {what} (control characters, "
                        f"replacement characters or few letters), e.g. line {number}: {shown!r}")
