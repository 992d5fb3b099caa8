"""Reads a programme's report workbook (GET /programmes/{id}/report) with a
real reader (openpyxl under /usr/bin/python3; charts, which openpyxl does
not read, from the file's parts) and holds it against the effectiveness
answers of the same caller for every year of the term
(tests/api/test_effectiveness_report.c):

    check_programme_report.py BOOK.xlsx YEAR1.json [YEAR2.json ...]

Prints every problem; exits 1 if any.
"""
import json
import sys
import zipfile

import openpyxl


def near(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-9


def yes_no(v):
    return None if v is None else ("да" if v else "нет")


def check(book_path, answers):
    problems = []
    wb = openpyxl.load_workbook(book_path)
    years = [a["year"] for a in answers]
    names = ["Сводка", "Динамика"] + [
        "%d-%02d" % (y, (y + 1) % 100) for y in years] + ["Школы"]
    if wb.sheetnames != names:
        problems.append("sheets %r, want %r" % (wb.sheetnames, names))
        return problems
    last = answers[-1]
    targets = last["targets"]
    summary = wb["Сводка"]
    if summary["A1"].value != last["programme"]["title"]:
        problems.append("A1 %r, want the title" % summary["A1"].value)
    if not str(summary["A3"].value).startswith("По состоянию на: "):
        problems.append("no 'as of' in A3: %r" % summary["A3"].value)
    if summary.freeze_panes != "C7":
        problems.append("Сводка frozen at %r" % summary.freeze_panes)
    for i, t in enumerate(targets):
        row = [c.value for c in summary[7 + i]]
        if row[0] != t["indicator"]["code"]:
            problems.append("Сводка row %d: %r" % (7 + i, row[0]))
        for k, a in enumerate(answers):
            that = a["targets"][i]
            got = row[4 + 3 * k: 7 + 3 * k]
            want = [that["target"], that["actual"], yes_no(that["met"])]
            if not (near(got[0], want[0]) and near(got[1], want[1])
                    and got[2] == want[2]):
                problems.append("Сводка %s %d: %r, want %r" %
                                (t["indicator"]["code"], years[k], got, want))
    for k, a in enumerate(answers):
        ws = wb[names[2 + k]]
        if ws.freeze_panes != "A2" or not ws.auto_filter.ref:
            problems.append("%s: frozen %r, filter %r" %
                            (names[2 + k], ws.freeze_panes, ws.auto_filter.ref))
        for i, t in enumerate(a["targets"]):
            row = [c.value for c in ws[2 + i]]
            want = [t["indicator"]["code"], t["target"], t["actual"],
                    yes_no(t["met"]), t["numerator"], t["denominator"]]
            got = [row[0], row[4], row[5], row[6], row[7], row[8]]
            if got[0] != want[0] or got[3] != want[3] or not all(
                    near(x, y) for x, y in zip(got[1:3] + got[4:],
                                               want[1:3] + want[4:])):
                problems.append("%s row %d: %r, want %r" %
                                (names[2 + k], 2 + i, got, want))
    schools = wb["Школы"]
    want_rows = []
    for a in answers:
        label = "%d/%02d" % (a["year"], (a["year"] + 1) % 100)
        for t in a["targets"]:
            for s in t["schools"]:
                want_rows.append([label, t["indicator"]["code"], s["code"],
                                  s["short_name"], s["numerator"],
                                  s["denominator"], s["value"],
                                  yes_no(s["counted"]), s["reason"]])
    got_rows = [[c.value for c in r] for r in schools.iter_rows(min_row=2)]
    if len(got_rows) != len(want_rows):
        problems.append("Школы: %d rows, want %d" % (len(got_rows), len(want_rows)))
    for g, w in zip(got_rows, want_rows):
        got = g[:4] + g[5:]
        if got[:4] != w[:4] or got[7:] != w[7:] or not all(
                near(x, y) for x, y in zip(got[4:7], w[4:7])):
            problems.append("Школы: %r, want %r" % (g, w))
    charts = [n for n in zipfile.ZipFile(book_path).namelist()
              if n.startswith("xl/charts/chart")]
    if len(charts) != len(targets):
        problems.append("%d charts, want one per indicator (%d)" %
                        (len(charts), len(targets)))
    return problems


def main():
    answers = []
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            answers.append(json.load(f))
    problems = check(sys.argv[1], answers)
    for p in problems[:50]:
        print(p)
    if problems:
        print("%s: %d problem(s)" % (sys.argv[1], len(problems)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
