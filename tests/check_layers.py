#!/usr/bin/python3
"""Every #include goes down the layers of src/layers.txt.

    check_layers.py REPO     checks the repository; exit 1 on a violation

A file of src/ belongs to the layer of its folder (src/db/sql/x.def: db), a
header of include/ to the layer that names it. Each #include "x" is found
as the compiler finds it (beside the file, then include/, then among the
generated headers) and must be of the file's own layer or one below it. A
header of src/ is internal: only files of its own folder include it. A
header of include/ includes only headers of include/ (or generated ones).
Every file of src/ and include/ must have a layer. A self-test on a small
made-up tree runs first, so the check is known to catch what it is for.
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)
SOURCES = (".c", ".h", ".def")


def read_layers(path):
    """[(name, folder, [headers])], top down."""
    layers = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            text = line.split("#", 1)[0].rstrip()
            if not text:
                continue
            if text[0].isspace():
                if not layers:
                    raise SystemExit(f"{path}:{number}: a continuation before any layer")
                layers[-1][2].extend(text.split())
                continue
            words = text.split()
            if len(words) < 2 or not words[1].startswith("src") or not words[1].endswith("/"):
                raise SystemExit(f"{path}:{number}: expected: NAME src/FOLDER/ [HEADER...]")
            layers.append((words[0], words[1].rstrip("/"), words[2:]))
    return layers


def source_files(root, top):
    """Paths relative to root of the .c, .h and .def files under root/top."""
    found = []
    for folder, _, names in os.walk(os.path.join(root, top)):
        for name in names:
            if name.endswith(SOURCES):
                found.append(os.path.relpath(os.path.join(folder, name), root))
    return sorted(found)


def check(root, layers):
    """The violations, as lines of text."""
    problems = []
    rank = {name: i for i, (name, _, _) in enumerate(layers)}
    folders = {folder: name for name, folder, _ in layers}
    public, generated = {}, {}
    for name, _, headers in layers:
        for header in headers:
            table = public if os.path.exists(os.path.join(root, "include", header)) else generated
            if header in public or header in generated:
                problems.append(f"src/layers.txt: {header} is named twice")
            table[header] = name

    def layer_of(path):
        if path.startswith("include/"):
            return public.get(path[len("include/"):])
        folder = os.path.dirname(path)
        if folder == "src":
            return folders.get(folder)
        while folder not in folders and folder != "src":
            folder = os.path.dirname(folder)
        return folders.get(folder) if folder != "src" else None

    files = source_files(root, "src") + source_files(root, "include")
    for path in files:
        if layer_of(path) is None:
            where = "src/layers.txt names no layer for it" if path.startswith("include/") \
                else "its folder is in no layer of src/layers.txt"
            problems.append(f"{path}: {where}")
    for path in files:
        layer = layer_of(path)
        if layer is None:
            continue
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            text = f.read()
        for included in INCLUDE.findall(text):
            beside = os.path.normpath(os.path.join(os.path.dirname(path), included))
            if os.path.exists(os.path.join(root, beside)):
                target = beside
            elif os.path.exists(os.path.join(root, "include", included)):
                target = "include/" + included
            elif included in generated:
                target = None
            else:
                problems.append(f"{path}: includes \"{included}\", which is no header "
                                f"it may see (beside it, in include/, or generated)")
                continue
            target_layer = layer_of(target) if target else generated[included]
            if target_layer is None:
                continue  # reported above
            internal = target is not None and target.startswith("src/")
            if internal and target_layer != layer:
                problems.append(f"{path}: includes {target}, internal to the {target_layer} "
                                f"layer")
            elif rank[target_layer] < rank[layer]:
                problems.append(f"{path} ({layer}) includes \"{included}\" of {target_layer}, "
                                f"a layer above")
            if path.startswith("include/") and internal:
                problems.append(f"{path}: a public header includes {target}, which is not one")
    return problems


def self_test():
    """The check catches each kind of violation in a made-up tree."""
    tree = {
        "src/layers.txt": "top  src/  top.h\nlow  src/low/  low.h\n",
        "src/main.c": '#include "top.h"\n#include "low.h"\n#include "intern.h"\n',
        "src/intern.h": "",
        "src/low/low.c": '#include "low.h"\n#include "top.h"\n#include "../intern.h"\n',
        "src/low/lost.h": '#include "nowhere.h"\n',
        "src/odd/x.c": "",
        "include/top.h": '#include "low.h"\n',
        "include/low.h": '#include "../src/low/lost.h"\n',
        "include/stray.h": "",
    }
    expected = [
        "include/stray.h: src/layers.txt names no layer for it",
        "src/odd/x.c: its folder is in no layer of src/layers.txt",
        'include/low.h: a public header includes src/low/lost.h, which is not one',
        'src/low/low.c (low) includes "top.h" of top, a layer above',
        "src/low/low.c: includes src/intern.h, internal to the top layer",
        'src/low/lost.h: includes "nowhere.h", which is no header it may see '
        "(beside it, in include/, or generated)",
    ]
    with tempfile.TemporaryDirectory() as root:
        for path, text in tree.items():
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w", encoding="utf-8") as f:
                f.write(text)
        found = check(root, read_layers(os.path.join(root, "src/layers.txt")))
    if sorted(found) != sorted(expected):
        print("self-test failed: the check found", *found, "instead of", *expected, sep="\n  ")
        return False
    return True


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: check_layers.py REPO")
    if not self_test():
        return 1
    root = sys.argv[1]
    layers = read_layers(os.path.join(root, "src/layers.txt"))
    problems = check(root, layers)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) with the layers of src/layers.txt (top down: "
              f"{', '.join(name for name, _, _ in layers)})")
        return 1
    print(f"every include goes down the layers: {', '.join(name for name, _, _ in layers)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
