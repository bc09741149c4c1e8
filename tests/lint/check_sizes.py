#!/usr/bin/env python3
"""Fails when a C file is longer than --max-file lines or a function body
longer than --max-func lines (the module's rule: 400 and 60).

Functions are found the way the code is formatted (.clang-format, Linux
braces): a '{' alone in column 0 opens a function body, the next '}' in
column 0 closes it; the name is the identifier before the first '(' of the
lines above. Counted: the lines from the signature's first line to the
closing brace."""
import argparse
import pathlib
import re
import sys

NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def functions(lines):
    """Yields (name, first line number, length) of each function."""
    i = 0
    while i < len(lines):
        if lines[i].rstrip() != "{":
            i += 1
            continue
        start = i
        # The signature: the lines above up to a blank line, comment end,
        # preprocessor line or the end of the previous definition.
        while start > 0 and lines[start - 1].strip() and not re.match(
                r"^(}|#)|.*;\s*$|.*\*/\s*$", lines[start - 1]):
            start -= 1
        end = i + 1
        while end < len(lines) and not lines[end].startswith("}"):
            end += 1
        m = NAME.search(" ".join(lines[start:i]))
        yield (m.group(1) if m else "?"), start + 1, end - start + 1
        i = end + 1


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--max-file", type=int, default=400)
    ap.add_argument("--max-func", type=int, default=60)
    ap.add_argument("paths", nargs="+", type=pathlib.Path)
    args = ap.parse_args()
    files = []
    for p in args.paths:
        files += sorted(p.glob("*.[ch]")) if p.is_dir() else [p]
    bad = 0
    for f in files:
        lines = f.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if len(lines) > args.max_file:
            print(f"{f}: {len(lines)} lines (max {args.max_file})")
            bad += 1
        for name, line, n in functions(lines):
            if n > args.max_func:
                print(f"{f}:{line}: {name}() is {n} lines "
                      f"(max {args.max_func})")
                bad += 1
    print(f"{len(files)} files checked, {bad} over the limits")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
