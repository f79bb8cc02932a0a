#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from ksqlDB's golden tests, at run time.

    make_seeds.py QTT_DIR OUT_DIR [--max N]

OUT_DIR/statements/        each case's statements, as one script ({FORMAT} as its first format)
OUT_DIR/json_format/       "<column list>\\n<record bytes>" for each JSON source's inputs
OUT_DIR/delimited_format/  the same for DELIMITED sources
OUT_DIR/golden/            each case alone as a QTT file, and eddy's own .sql golden tests

At most N seeds per target (default 400), taken evenly across the corpus so every file counts.
"""
import hashlib
import json
import os
import re
import sys


CREATE = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:SOURCE\s+)?(STREAM|TABLE)\s+\S+\s*\(", re.I)


def column_list(statement):
    """The column list of a CREATE STREAM/TABLE with columns, or None."""
    m = CREATE.search(statement)
    if not m:
        return None
    depth, start = 1, m.end()
    for i in range(start, len(statement)):
        if statement[i] == "(":
            depth += 1
        elif statement[i] == ")":
            depth -= 1
            if depth == 0:
                return " ".join(statement[start:i].split())
    return None


def prop(statement, name):
    m = re.search(name + r"\s*=\s*'([^']*)'", statement, re.I)
    return m.group(1) if m else None


def record_bytes(v):
    if v is None:
        return None
    return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))


def main():
    args = sys.argv[1:]
    limit = 400
    if "--max" in args:
        i = args.index("--max")
        limit = int(args[i + 1])
        del args[i:i + 2]
    qtt, out = args
    seeds = {"statements": [], "json_format": [], "delimited_format": [], "golden": []}
    for name in sorted(os.listdir(os.path.join(qtt, "all"))):
        if not name.endswith(".json"):
            continue
        try:
            doc = json.loads(open(os.path.join(qtt, "all", name), encoding="utf-8").read())
        except (ValueError, OSError):  # attr.json has comments: there are seeds enough without it
            continue
        for case in doc.get("tests", []):
            formats = case.get("format") or ["JSON"]
            fmt = str(formats[0])
            statements = [s.replace("{FORMAT}", fmt) for s in case.get("statements", []) if isinstance(s, str)]
            seeds["statements"].append("\n".join(statements))
            seeds["golden"].append(json.dumps({"tests": [case]}, indent=1))
            # Sources with columns, by topic: their value format and column list.
            by_topic = {}
            for s in statements:
                cols, topic = column_list(s), prop(s, "KAFKA_TOPIC")
                if cols and topic:
                    vf = (prop(s, "VALUE_FORMAT") or prop(s, "FORMAT") or "").upper()
                    kf = (prop(s, "KEY_FORMAT") or prop(s, "FORMAT") or "KAFKA").upper()
                    by_topic[topic] = (cols, vf, kf)
            for rec in case.get("inputs", []):
                src = by_topic.get(rec.get("topic"))
                if not src:
                    continue
                cols, vf, kf = src
                for fmt_name, data in ((vf, rec.get("value")), (kf, rec.get("key"))):
                    b = record_bytes(data)
                    if b is None:
                        continue
                    if fmt_name == "JSON":
                        seeds["json_format"].append(cols + "\n" + b)
                    elif fmt_name == "DELIMITED":
                        seeds["delimited_format"].append(cols + "\n" + b)
    golden = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden")
    for name in sorted(os.listdir(golden)):
        if name.endswith(".sql"):
            seeds["golden"].append(open(os.path.join(golden, name), encoding="utf-8").read())
    for target, items in seeds.items():
        unique = list(dict.fromkeys(items))
        if len(unique) > limit:  # evenly spread over the corpus, deterministic
            step = len(unique) / limit
            unique = [unique[int(i * step)] for i in range(limit)]
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for item in unique:
            data = item.encode("utf-8")
            with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
                f.write(data)
        print(f"seeds: {target}: {len(unique)}")


if __name__ == "__main__":
    main()
