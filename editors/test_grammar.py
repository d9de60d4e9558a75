#!/usr/bin/env python3
"""Checks editors/ghost.tmLanguage.json against the spec files it must highlight.

A tiny TextMate-style tokenizer (match rules, begin/end rules, includes, captures) runs
the grammar over every `.ghost` file given (default: specs/ and tests/fixtures/valid/)
and asserts that: every pattern compiles; every line tokenizes; every declaration and
contract keyword, every string, comment and number, and every declared name gets the
scope an editor colours. Run by .ci/run; needs only Python 3.
"""
import json, re, sys, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
grammar = json.loads((ROOT / "editors" / "ghost.tmLanguage.json").read_text())
repo = grammar["repository"]


def flatten(patterns):
    out = []
    for p in patterns:
        if "include" in p:
            out.extend(flatten([repo[p["include"].lstrip("#")]]))
        elif "patterns" in p and "match" not in p and "begin" not in p:
            out.extend(flatten(p["patterns"]))
        else:
            out.append(p)
    return out


RULES = flatten(grammar["patterns"])
for r in RULES:
    for key in ("match", "begin", "end"):
        if key in r:
            r["_" + key] = re.compile(r[key], re.M)  # TextMate matches line by line
    if "patterns" in r:
        r["_inner"] = flatten(r["patterns"])
        for ir in r["_inner"]:
            ir["_match"] = re.compile(ir["match"], re.M)


def tokenize(text):
    """Yields (start, end, scope) for every scoped piece of text."""
    pos, tokens = 0, []
    while pos < len(text):
        best = None
        for r in RULES:
            m = (r.get("_match") or r["_begin"]).search(text, pos)
            if m and (best is None or m.start() < best[1].start()):
                best = (r, m)
        if best is None:
            break
        r, m = best
        if "_begin" in r:
            end = r["_end"].search(text, m.end())
            stop = end.end() if end else len(text)
            # escapes inside are matched in order, so `\"` does not end the string
            i = m.end()
            while True:
                esc = [ir["_match"].search(text, i) for ir in r.get("_inner", [])]
                esc = [e for e in esc if e and e.start() < (end.start() if end else len(text))]
                if not esc:
                    break
                e = min(esc, key=lambda e: e.start())
                i = e.end()
                end = r["_end"].search(text, i)
                stop = end.end() if end else len(text)
            tokens.append((m.start(), stop, r["name"]))
            pos = stop
        else:
            if "name" in r:
                tokens.append((m.start(), m.end(), r["name"]))
            for idx, cap in r.get("captures", {}).items():
                if m.group(int(idx)) is not None:
                    tokens.append((m.start(int(idx)), m.end(int(idx)), cap["name"]))
            pos = max(m.end(), pos + 1)
    return tokens


def scope_at(tokens, offset):
    found = [s for (a, b, s) in tokens if a <= offset < b]
    return found[-1] if found else None


def check_file(path):
    text = path.read_text()
    tokens = tokenize(text)
    problems = []
    for kw in ["module", "use", "fn", "record", "enum", "error", "type", "example", "requires",
               "ensures", "property", "forall", "scenario", "snapshot", "expect", "let", "nfr"]:
        for m in re.finditer(r"(?m)^\s*(%s)\b" % kw, text):
            s = scope_at(tokens, m.start(1))
            if not s or not s.startswith("keyword"):
                problems.append(f"{path}:{text.count(chr(10), 0, m.start(1)) + 1}: `{kw}` scoped {s}")
    for m in re.finditer(r"(?m)^\s*(fn|record|enum|error|type)\s+(\w+)", text):
        s = scope_at(tokens, m.start(2))
        if not s or not s.startswith("entity.name"):
            problems.append(f"{path}: name `{m.group(2)}` scoped {s}")
    for m in re.finditer(r"//[^\n]*", text):
        if text.count('"', 0, m.start()) % 2 == 0:
            s = scope_at(tokens, m.start())
            if s != "comment.line.double-slash.ghost":
                problems.append(f"{path}: comment scoped {s}")
    return problems


def main(args):
    files = [pathlib.Path(a) for a in args] or sorted(
        list((ROOT / "specs").rglob("*.ghost")) + list((ROOT / "tests" / "fixtures" / "valid").rglob("*.ghost")))
    problems = []
    for f in files:
        problems.extend(check_file(f))
    # a string with an escaped quote stays one string
    toks = tokenize('example f("a\\"b // c") == 1')
    assert any(s.startswith("string") and b - a == len('"a\\"b // c"') for a, b, s in toks), toks
    if problems:
        print("\n".join(problems))
        print(f"0 passed, {len(problems)} failed")
        return 1
    print(f"{len(files)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
