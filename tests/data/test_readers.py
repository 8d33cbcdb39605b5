import pytest

from bertdistill.data.readers import detect_format, read_delimited_lines, read_table, read_utf8
from bertdistill.errors import DataError


def test_non_utf8_byte_names_the_line(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_bytes(b"text\tlabel\nfine\t1\ncaf\xe9\t0\n")
    with pytest.raises(DataError, match=r"bad.tsv, line 3: not valid UTF-8"):
        read_utf8(path)


def test_bom_is_dropped(tmp_path):
    path = tmp_path / "bom.tsv"
    path.write_bytes("\ufeffQuality\tx\n1\ty\n".encode("utf-8"))
    table = read_table(path)
    assert table.columns == ("Quality", "x")


def test_tsv_quoting_is_off(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text('text\tlabel\nhe said "hi\t1\n', encoding="utf-8")
    assert read_table(path).rows[0].fields["text"] == 'he said "hi'


def test_csv_with_quoted_commas(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('text,label\n"a, b",1\n', encoding="utf-8")
    row = read_table(path).rows[0]
    assert (row.line, row.fields) == (2, {"text": "a, b", "label": "1"})


def test_wrong_field_count_names_the_line(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("text\tlabel\nok\t1\nno label here\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"x.tsv, line 3: expected 2 fields"):
        read_table(path)


def test_empty_line_is_an_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("text,label\nok,1\n\nalso,0\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 3: empty line"):
        read_table(path)


def test_duplicate_header_is_an_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("text,text\na,b\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 1: bad header"):
        read_table(path)


def test_jsonl_errors_name_the_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "a", "label": 1}\n{"text": "b", \n', encoding="utf-8")
    with pytest.raises(DataError, match="line 2: invalid JSON"):
        read_table(path)
    path.write_text('{"text": "a", "label": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 2: expected a JSON object"):
        read_table(path)


def test_jsonl_numbers_become_strings(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "a", "label": 1}\n{"text": "b", "label": 2.5}\n', encoding="utf-8")
    assert [row.fields["label"] for row in read_table(path).rows] == ["1", "2.5"]


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_utf8(tmp_path / "nope.tsv")
    with pytest.raises(DataError, match="cannot tell the format"):
        detect_format(tmp_path / "data.parquet")


def test_delimited_lines_keep_line_numbers(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("a\tb\r\nc\td\n", encoding="utf-8")
    assert read_delimited_lines(path) == [(1, ["a", "b"]), (2, ["c", "d"])]


def test_an_unclosed_quote_is_named_on_its_own_line(tmp_path):
    rows = ["text,label", "a good film,pos", '"a dull film,neg'] + [f"film number {i},pos" for i in range(10)]
    path = tmp_path / "open.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"open.csv, line 3: .*is a quote on line 3 left open"):
        read_table(path)


def test_a_quoted_newline_is_one_record_on_its_first_line(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('text,label\n"two\nlines",pos\none line,neg\n')
    table = read_table(path)
    assert [(row.line, row.fields["text"]) for row in table.rows] == [(2, "two\nlines"), (4, "one line")]


def test_a_header_without_rows_is_named(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("text,label\n")
    with pytest.raises(DataError, match=r"header.csv: only a header line \(\['text', 'label'\]\), no examples"):
        read_table(path)
