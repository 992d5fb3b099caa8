#!/usr/bin/python3
"""Prints the installed packages that installing the packages named on the
command line brings, themselves included: Depends and Pre-Depends followed
through this system's dpkg database (the first alternative, as apt takes it;
a virtual package through its installed provider). With --essential, the
Essential packages (what a Debian base image holds) are added to the start.
Used by tests/package/check_image.sh."""
import subprocess
import sys


def installed():
    out = subprocess.run(
        ["dpkg-query", "-W", "-f",
         "${db:Status-Abbrev}\t${Package}\t${Essential}\t${Provides}\t"
         "${Depends}, ${Pre-Depends}\n"],
        capture_output=True, text=True, check=True).stdout
    deps, providers, essential = {}, {}, []
    for line in out.splitlines():
        status, name, ess, provides, depends = line.split("\t")
        if not status.startswith("ii"):
            continue
        deps[name] = [alt.split("|")[0] for alt in depends.split(",")]
        for p in provides.split(","):
            providers.setdefault(bare(p), name)
        if ess == "yes":
            essential.append(name)
    return deps, providers, essential


def bare(dep):
    """'libc6 (>= 2.34)' or 'python3:any' -> the package name."""
    return dep.strip().split(" ")[0].split("(")[0].split(":")[0]


def main(args):
    deps, providers, essential = installed()
    todo = list(args)
    if todo and todo[0] == "--essential":
        todo = essential + todo[1:]
    seen = set()
    while todo:
        name = bare(todo.pop())
        if not name:
            continue
        name = name if name in deps else providers.get(name, name)
        if name in seen:
            continue
        seen.add(name)
        todo.extend(deps.get(name, []))
    print("\n".join(sorted(seen)))


if __name__ == "__main__":
    main(sys.argv[1:])
