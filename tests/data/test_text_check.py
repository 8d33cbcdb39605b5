"""Text that is not text: random characters, control bytes and number tables refused, real text kept."""

import random

import pytest

from bertdistill.data.text_check import check_text, looks_like_text, not_text_share
from bertdistill.errors import DataError


def random_printable(rng: random.Random, count: int) -> list[str]:
    return ["".join(chr(rng.randint(32, 126)) for _ in range(rng.randint(20, 120))) for _ in range(count)]


@pytest.mark.parametrize("line", [
    "The first sentence is here.", "@user lol that was sooo good 😂😂 #win http://t.co/xyz",
    "Q: how do I reset my router?", "Übermäßig schöne Grüße aus Köln", "Война и мир — роман Толстого",
    "He scored 3 goals in 2 games.", "   ", ""])
def test_text_in_any_script_looks_like_text(line):
    assert looks_like_text(line)


@pytest.mark.parametrize("line", [
    "binary\x00\x01\x02 data", "\x1b[31mred\x1b[0m escape codes", "3.14 2.71 1.41 1.73 2.23", "\ufffd\ufffd\ufffdab\ufffd",
    "x#9!k@QzL$w%Vb^Y&n*U(m)R_p+T=s{e}A[d]F|g;H:j'K<l>Z,c.X/v?B`N~M1q2W3e4R5t6Y7u8I9o0P"])
def test_noise_does_not(line):
    assert not looks_like_text(line)


def test_a_file_is_judged_by_most_of_its_first_lines():
    rng = random.Random(0)
    noise = random_printable(rng, 300)
    share, number, line = not_text_share(enumerate(noise, start=1))
    assert share > 0.8 and number is not None and line == noise[number - 1]
    with pytest.raises(DataError, match=r"corpus x.txt: \d+% of its first lines do not look like text.*line \d+"):
        check_text(enumerate(noise, start=1), "corpus x.txt")
    words = ["a good film", "the plot was dull", "tables: 1 2 3 4 5 6 7"]   # one numeric line in three: kept
    check_text(enumerate(words * 100, start=1), "corpus y.txt")
