"""Reads a workbook Opora answered with a real reader (openpyxl, Debian's
python3-openpyxl; run with /usr/bin/python3) and holds it against the CSV
tables of the same list (tests/api/test_xlsx.c):

    check_xlsx.py BOOK.xlsx HUMAN.csv KEYS.csv [NUMERIC]

HUMAN.csv is the list with Accept: text/csv (its Russian header row),
KEYS.csv with `columns=keys` (values as JSON writes them); NUMERIC, the keys of
the columns that must hold numbers (a text column may hold digits: a
region's code "33"). Checks: one
sheet; the header row is HUMAN's, in bold, frozen under it (A2), with a
filter over the whole table and a width for every column; as many rows as
the CSV; each cell typed: a number where the CSV has a number, a date or a
date and time for dates and timestamps, «да»/«нет» for true/false, empty
for empty, else the same text (without the CSV's guarding apostrophe) in a
text cell, formatted as text ("@") when Excel would take it for a formula.
Prints every problem; exits 1 if any.
"""
import csv
import datetime
import io
import re
import sys

import openpyxl
from openpyxl.utils import get_column_letter


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(io.StringIO(f.read()), delimiter=";"))


NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")
DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(T([0-9]{2}):([0-9]{2}):([0-9]{2}))?")
FORMULA_START = "=+-@\t\r"


def guarded(text):
    stripped = text.lstrip("'")
    return stripped != "" and stripped[0] in FORMULA_START


def check(book_path, human_path, keys_path, numeric=""):
    numeric = set(filter(None, numeric.split(",")))
    problems = []
    book = openpyxl.load_workbook(book_path)
    human, keys = read_csv(human_path), read_csv(keys_path)
    if len(book.worksheets) != 1:
        problems.append("%d sheets, want 1" % len(book.worksheets))
    ws = book.worksheets[0]
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]] if rows else []
    if header != human[0]:
        problems.append("header %r, want %r" % (header, human[0]))
    if rows and not all(c.font.b for c in rows[0]):
        problems.append("the header row is not bold")
    if ws.freeze_panes != "A2":
        problems.append("frozen at %r, want A2" % ws.freeze_panes)
    last = "%s%d" % (get_column_letter(len(human[0])), len(keys))
    if ws.auto_filter.ref != "A1:" + last:
        problems.append("filter %r, want A1:%s" % (ws.auto_filter.ref, last))
    for i in range(1, len(human[0]) + 1):
        width = ws.column_dimensions[get_column_letter(i)].width
        if not width or width < 5:
            problems.append("column %d has no width" % i)
    if len(rows) != len(keys):
        problems.append("%d rows, the CSV has %d" % (len(rows), len(keys)))
    for r, (cells, want_row) in enumerate(zip(rows[1:], keys[1:]), start=2):
        for cell, want in zip(cells, want_row):
            where = "%s%d" % (cell.column_letter, r)
            got = cell.value
            if want == "":
                if got is not None:
                    problems.append("%s: %r, want empty" % (where, got))
            elif want in ("true", "false"):
                if got != ("да" if want == "true" else "нет"):
                    problems.append("%s: %r, want да/нет for %s" % (where, got, want))
            elif NUMBER.match(want) and isinstance(got, str) \
                    and keys[0][cell.column - 1] not in numeric:
                if got != want:
                    problems.append("%s: %r, want the text %r" % (where, got, want))
            elif NUMBER.match(want):
                if isinstance(got, bool) or not isinstance(got, (int, float)) \
                        or abs(got - float(want)) > 1e-9 * max(1, abs(float(want))):
                    problems.append("%s: %r, want the number %s" % (where, got, want))
            elif DATE.match(want) and isinstance(got, datetime.datetime):
                m = DATE.match(want)
                parts = [int(x) for x in m.group(1, 2, 3)]
                if m.group(4):
                    parts += [int(x) for x in m.group(5, 6, 7)]
                have = [got.year, got.month, got.day, got.hour, got.minute,
                        got.second][:len(parts)]
                if have != parts:
                    problems.append("%s: %r, want %s" % (where, got, want))
                if not m.group(4) and (got.hour, got.minute) != (0, 0):
                    problems.append("%s: a time in a date" % where)
            else:
                text = want[1:] if guarded(want) and want.startswith("'") else want
                if got != text or cell.data_type != "s":
                    problems.append("%s: %r (%s), want the text %r" %
                                    (where, got, cell.data_type, text))
                elif guarded(text) and cell.number_format != "@":
                    problems.append("%s: %r is not formatted as text" % (where, got))
    return problems


def main():
    problems = check(*sys.argv[1:5])
    for p in problems[:50]:
        print(p)
    if problems:
        print("%s: %d problem(s)" % (sys.argv[1], len(problems)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
