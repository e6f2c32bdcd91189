import datetime as dt
import gzip
import io

import pytest
from openpyxl import Workbook

from tenure.lib.tabular import TableError, detect_encoding, open_table, read_csv

CHINESE = '姓名,电话,备注\n张伟,138 1234 5678,老客户\n\n李娜,13900001111,"两行\n备注"\n王芳,,\n'


def rows_of(data: bytes, name="f.csv"):
    with open_table(io.BytesIO(data), filename=name) as table:
        return table.headers, list(table)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_read_chinese_with_file_line_numbers(encoding):
    headers, rows = rows_of(CHINESE.encode(encoding))
    assert headers == ["姓名", "电话", "备注"]
    assert [line for line, _ in rows] == [2, 4, 6]  # blank line 3 skipped; line 4 spans two lines
    assert rows[0][1] == {"姓名": "张伟", "电话": "138 1234 5678", "备注": "老客户"}
    assert rows[1][1]["备注"] == "两行\n备注"


def test_detect_encoding_falls_back_to_gb18030_and_tolerates_a_cut_character():
    assert detect_encoding("张伟".encode("gb18030")) == "gb18030"
    assert detect_encoding("张伟".encode()[:-1]) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbfname") == "utf-8-sig"


def test_gb18030_detected_beyond_an_ascii_start():
    data = ("name,memo\n" + "a,b\n" * 10 + "张三,备注\n").encode("gb18030")
    _, rows = rows_of(data)
    assert rows[-1] == (12, {"name": "张三", "memo": "备注"})


def test_semicolon_and_tab_delimiters_are_sniffed():
    assert rows_of(b"a;b\n1;2\n")[1] == [(2, {"a": "1", "b": "2"})]
    assert rows_of(b"a\tb\n1\t2\n")[1] == [(2, {"a": "1", "b": "2"})]


def test_short_and_long_rows_keep_every_value():
    headers, rows = rows_of(b"a,b\n1\n1,2,3\n")
    assert rows == [(2, {"a": "1", "b": ""}), (3, {"a": "1", "b": "2", "column_3": "3"})]


def test_duplicate_and_blank_headers_get_unique_names():
    headers, _ = rows_of(b"name,name,,x\n")
    assert headers == ["name", "name_2", "column_3", "x"]


def test_gzip_csv():
    data = gzip.compress("编号,名称\nC1,某公司\n".encode("gb18030"))
    assert rows_of(data, "x.csv.gz")[1] == [(2, {"编号": "C1", "名称": "某公司"})]


def test_reading_is_streaming():
    """Rows come one by one from a generator: the reader never holds the file."""

    class Endless(io.RawIOBase):
        def __init__(self):
            self.served = 0
            self.head = b"a,b\n"

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self.head or b"1,2\n" * (len(buffer) // 4)
            self.head = b""
            buffer[: len(chunk)] = chunk
            self.served += len(chunk)
            return len(chunk)

    source = Endless()
    table = read_csv(io.BufferedReader(source))
    for i, (_line, _row) in enumerate(table):
        if i == 1000:
            break
    assert source.served < 2 * 1024 * 1024


def test_xlsx_first_sheet_values_and_line_numbers(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["客户编号", "姓名", "生日", "金额", "数量"])
    ws.append(["C1", "张伟", dt.date(1990, 5, 1), 12.5, 3.0])
    ws.append([None, None, None, None, None])
    ws.append([17850, "Bob", dt.datetime(2024, 1, 2, 8, 30), 0.1, 1])
    wb.create_sheet("ignored").append(["x"])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    with open_table(path) as table:
        assert table.headers == ["客户编号", "姓名", "生日", "金额", "数量"]
        rows = list(table)
    assert rows[0] == (
        2,
        {"客户编号": "C1", "姓名": "张伟", "生日": "1990-05-01", "金额": "12.5", "数量": "3"},
    )
    assert rows[1][0] == 4
    assert rows[1][1]["客户编号"] == "17850"
    assert rows[1][1]["生日"] == "2024-01-02 08:30:00"


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"", "e.csv"), (b"a,b", "x.pdf"), (b"not a zip", "x.xlsx"), (b"not gzip", "x.csv.gz")],
)
def test_unreadable_files_raise_table_error(data, name):
    with pytest.raises(TableError):
        rows_of(data, name)


def test_missing_path_raises_table_error(tmp_path):
    with pytest.raises(TableError):
        open_table(tmp_path / "nope.csv")


def test_cells_give_full_rows_as_lists_and_odd_rows_as_dicts():
    data = b"a,b,c\n1,2,3\n4,5\n\n6,7,8,9\n , , \n10,11,12\n"
    table = read_csv(io.BytesIO(data))
    assert list(table.cells()) == [
        (2, ["1", "2", "3"]),
        (3, {"a": "4", "b": "5", "c": ""}),  # short: the dict a row read as a dict would be
        (5, {"a": "6", "b": "7", "c": "8", "column_4": "9"}),
        (7, ["10", "11", "12"]),  # blank lines and a row of spaces are skipped as usual
    ]
    assert list(read_csv(io.BytesIO(data))) == [
        (2, {"a": "1", "b": "2", "c": "3"}),
        (3, {"a": "4", "b": "5", "c": ""}),
        (5, {"a": "6", "b": "7", "c": "8", "column_4": "9"}),
        (7, {"a": "10", "b": "11", "c": "12"}),
    ]
