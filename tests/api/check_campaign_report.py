"""Reads a campaign's monitoring report with a real reader (openpyxl,
Debian's python3-openpyxl; run with /usr/bin/python3) and holds it against
the API's answers for the same caller (tests/api/test_campaign_report.c):

    check_campaign_report.py BOOK.xlsx EXPECT.json

EXPECT.json: {"campaign": GET .../{id}, "completeness": GET
.../completeness, "submissions": GET .../submissions, "names": the
indicators' names in the campaign's order, "late": {school code: days
late}, "forbidden": [texts no cell may hold]}. Checks the sheets' names;
«Сводка»: the campaign block, the "as of" cell, the header (bold, frozen,
filtered) and the counts per municipality and in total, the share as a
percent; «Опоздания»: the late schools and their days; «Значения»: one row
per school with its state and its values typed (numbers as numbers,
booleans as да/нет, texts as text, formula-looking ones formatted "@").
Prints every problem; exits 1 if any.
"""
import datetime
import json
import re
import sys

import openpyxl

STATES = {"not_started": "не начато", "draft": "черновик",
          "submitted": "представлено", "returned": "возвращено",
          "accepted": "принято", "open": "открыта", "closed": "закрыта"}
SUMMARY = ["Муниципалитет", "Школ", "Не начато", "Черновик", "Представлено",
           "Возвращено", "Принято", "С опозданием",
           "Доля представленных или принятых"]
COUNTS = ["schools", "not_started", "draft", "submitted", "returned",
          "accepted", "late"]
LATE = ["Код школы", "Школа", "Муниципалитет", "Состояние", "Представлено",
        "Дней опоздания"]
AS_OF = re.compile(r"^По состоянию на: (\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d)"
                   r" \(UTC\)$")

problems = []


def problem(fmt, *args):
    problems.append(fmt % args)


def values(ws, row):
    return [c.value for c in ws[row]]


def table(ws, header_row, header):
    """The header at header_row: its cells, bold, frozen under it, a filter
    from it, a width for every column."""
    got = values(ws, header_row)[:len(header)]
    if got != header:
        problem("%s: header %r, want %r", ws.title, got, header)
    if not all(c.font.b for c in ws[header_row][:len(header)]):
        problem("%s: the header is not bold", ws.title)
    if ws.freeze_panes != "A%d" % (header_row + 1):
        problem("%s: frozen at %r, want A%d", ws.title, ws.freeze_panes,
                header_row + 1)
    if not (ws.auto_filter.ref or "").startswith("A%d:" % header_row):
        problem("%s: filter %r", ws.title, ws.auto_filter.ref)
    for c in ws[header_row][:len(header)]:
        width = ws.column_dimensions[c.column_letter].width
        if not width or width < 5:
            problem("%s: column %s has no width", ws.title, c.column_letter)


def municipality_names(completeness):
    return {m["id"]: m["name"]
            for m in completeness["counts"]["municipalities"]}


def check_summary(ws, expect):
    campaign = expect["campaign"]
    block = {"Кампания": campaign["title"], "Период": campaign["period"],
             "Статус": STATES[campaign["status"]]}
    for row in range(1, 7):
        label, value = ws.cell(row, 1).value, ws.cell(row, 2).value
        if label in block and value != block[label]:
            problem("Сводка!B%d: %r, want %r", row, value, block[label])
        if label in ("Дата открытия", "Срок представления"):
            key = "opens_on" if label == "Дата открытия" else "deadline"
            if not isinstance(value, datetime.datetime) or \
                    value.date().isoformat() != campaign[key]:
                problem("Сводка!B%d: %r, want the date %s", row, value,
                        campaign[key])
    as_of = AS_OF.match(str(ws["A7"].value))
    if as_of is None:
        problem("Сводка!A7: %r is not the 'as of' line", ws["A7"].value)
    else:
        d, mo, y, h, mi = (int(x) for x in as_of.groups())
        when = datetime.datetime(y, mo, d, h, mi, tzinfo=datetime.timezone.utc)
        now = datetime.datetime.now(datetime.timezone.utc)
        if abs((now - when).total_seconds()) > 600:
            problem("Сводка!A7: %s is not now (%s)", when, now)
    table(ws, 9, SUMMARY)
    counts = expect["completeness"]["counts"]
    want = [(m["name"], m["counts"]) for m in counts["municipalities"]]
    want.append(("Итого", counts["total"]))
    rows = [values(ws, r) for r in range(10, ws.max_row + 1)]
    if len(rows) != len(want):
        problem("Сводка: %d rows of counts, want %d", len(rows), len(want))
    for r, (row, (name, n)) in enumerate(zip(rows, want), start=10):
        if row[0] != name:
            problem("Сводка!A%d: %r, want %r", r, row[0], name)
        for k, key in enumerate(COUNTS, start=1):
            if row[k] != n[key] or isinstance(row[k], bool):
                problem("Сводка row %d %s: %r, want %r", r, key, row[k],
                        n[key])
        share = (n["submitted"] + n["accepted"]) / n["schools"]
        cell = ws.cell(r, len(SUMMARY))
        if not isinstance(cell.value, (int, float)) or \
                isinstance(cell.value, bool) or \
                abs(cell.value - share) > 1e-9 or \
                "%" not in cell.number_format:
            problem("Сводка row %d share: %r (%s), want %r as a percent", r,
                    cell.value, cell.number_format, share)
    if ws["A10"].font.b or not ws.cell(9 + len(want), 1).font.b:
        problem("Сводка: only the total row is bold")


def check_late(ws, expect):
    table(ws, 1, LATE)
    names = municipality_names(expect["completeness"])
    schools = {i["school"]["code"]: i for i in expect["completeness"]["items"]}
    got = {}
    for r in range(2, ws.max_row + 1):
        code, name, muni, state, at, days = values(ws, r)[:6]
        got[code] = days
        item = schools.get(code)
        if item is None:
            problem("Опоздания!A%d: %r is not a school of the caller", r, code)
            continue
        school = item["school"]
        if name != school["short_name"] or \
                muni != names[school["municipality_id"]] or \
                state != STATES[item["state"]]:
            problem("Опоздания row %d: %r", r, values(ws, r))
        if item["submitted_at"] is None:
            if at is not None:
                problem("Опоздания!E%d: %r, want empty", r, at)
        elif not isinstance(at, datetime.datetime) or \
                at.isoformat()[:16] != item["submitted_at"][:16]:
            problem("Опоздания!E%d: %r, want the time %s", r, at,
                    item["submitted_at"])
        if not isinstance(days, int) or isinstance(days, bool):
            problem("Опоздания!F%d: %r is not a number", r, days)
    if got != expect["late"]:
        problem("Опоздания: %r, want %r", got, expect["late"])


def check_value(where, cell, want):
    got = cell.value
    if want is None:
        ok = got is None
    elif isinstance(want, bool):
        ok = got == ("да" if want else "нет")
    elif isinstance(want, (int, float)):
        ok = isinstance(got, (int, float)) and not isinstance(got, bool) \
            and abs(got - want) < 1e-9
    else:
        ok = got == want and cell.data_type == "s"
        if ok and want[:1] in "=+-@" and cell.number_format != "@":
            problem("%s: %r looks like a formula, not formatted as text",
                    where, want)
    if not ok:
        problem("%s: %r, want %r", where, got, want)


def check_values(ws, expect):
    codes = [i["code"] for i in expect["campaign"]["indicators"]]
    table(ws, 1, LATE[:4] + expect["names"])
    names = municipality_names(expect["completeness"])
    items = expect["submissions"]["items"]
    if ws.max_row - 1 != len(items):
        problem("Значения: %d rows, want %d", ws.max_row - 1, len(items))
    for r, item in enumerate(items, start=2):
        row = ws[r]
        school = item["school"]
        head = [c.value for c in row[:4]]
        want = [school["code"], school["short_name"],
                names[school["municipality_id"]], STATES[item["state"]]]
        if head != want:
            problem("Значения row %d: %r, want %r", r, head, want)
        if head[1] and head[1][0] == "=" and row[1].number_format != "@":
            problem("Значения!B%d: a formula-looking name not as text", r)
        given = {v["code"]: v["value"] for v in item["values"]}
        for k, code in enumerate(codes):
            check_value("Значения!%s%d" % (row[4 + k].column_letter, r),
                        row[4 + k], given.get(code))


def check_forbidden(book, forbidden):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and \
                        any(f in c.value for f in forbidden):
                    problem("%s!%s: %r is outside the caller's scope",
                            ws.title, c.coordinate, c.value)


def main(book_path, expect_path):
    with open(expect_path, encoding="utf-8") as f:
        expect = json.load(f)
    book = openpyxl.load_workbook(book_path)
    if book.sheetnames != ["Сводка", "Опоздания", "Значения"]:
        problem("sheets %r", book.sheetnames)
        return
    check_summary(book["Сводка"], expect)
    check_late(book["Опоздания"], expect)
    check_values(book["Значения"], expect)
    check_forbidden(book, expect["forbidden"])


if __name__ == "__main__":
    main(*sys.argv[1:3])
    for p in problems:
        print("check_campaign_report:", p)
    sys.exit(1 if problems else 0)
