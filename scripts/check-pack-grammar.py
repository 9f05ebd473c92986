#!/usr/bin/env python3
"""Checks the vendor platform packs under dut-configs/ (docs/platform-packs.md).

For every pack that has a grammar.yaml (the Linux reference pack has none):
  * platform.yaml has the descriptor keys, its `platform` is the folder name, its sources have id/title/url;
  * every template listed in platform.yaml exists and every file under templates/ is listed;
  * every command line of a template is directly preceded by a `# src: <id> <where>` comment whose id is
    one of platform.yaml's sources;
  * every placeholder a template uses is in the placeholder table of docs/platform-packs.md for its
    intent item (the original table and the "Additions requested by the vendor packs" table);
  * every template, rendered with the sample values of dut-configs/grammar-samples.yaml (repeated lines
    expanded, every flavor_sets entry tried), gives lines that each match a command shape of the pack's
    grammar.yaml; the verbs (platform.yaml `verbs`) are rendered and matched against the `exec` shapes.

Errors are printed as `file:line: reason`; the exit code is 1 when there is any, 2 on a usage problem.
`--self-test` copies dut-configs/ and the doc into a temporary directory, seeds one typo at a time and
asserts that the check fails naming the file and line (and that the unmodified copy passes).

Needs python3 with PyYAML (Debian/Ubuntu: python3-yaml). Standard library otherwise.
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover
    print("check-pack-grammar: PyYAML is needed (apt-get install python3-yaml)", file=sys.stderr)
    sys.exit(2)

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")
SRC = re.compile(r"^#\s*src:\s*(\S+)\s+\S")
# placeholders that repeat a line once per element of a list (docs/platform-packs.md, additions)
LIST_PLACEHOLDERS = {"segment": "segments", "segment_index": "segments", "flavor": "flavors",
                     "inside_source": "inside_sources", "punt_rate": "punt_rates", "no_punt_rate": "no_punt_rates"}
REQUIRED_KEYS = ["format_version", "platform", "vendor", "os", "verification", "sources", "session", "identity",
                 "templates"]
SESSION_PLACEHOLDERS = {"seconds", "minutes", "checkpoint"}


class Report:
    def __init__(self, root: str):
        self.root = root
        self.errors: list[str] = []

    def err(self, path: str, line: int, msg: str) -> None:
        self.errors.append(f"{os.path.relpath(path, self.root)}:{line}: {msg}")


def line_of(path: str, needle: str) -> int:
    """1-based line of the first line containing needle (1 when absent)."""
    try:
        with open(path, encoding="utf-8") as f:
            for n, text in enumerate(f, 1):
                if needle in text:
                    return n
    except OSError:
        pass
    return 1


# ------------------------------------------------------------------ the doc's placeholder tables
def doc_placeholders(doc: str) -> dict[str, set[str]]:
    items: dict[str, set[str]] = {}
    row = re.compile(r"^\|\s*`([a-z_]+(?:\.<[a-z]+>)?)`\s*\|[^|]*\|(.*)\|\s*$")
    with open(doc, encoding="utf-8") as f:
        for text in f:
            m = row.match(text.strip())
            if m:
                items.setdefault(m.group(1), set()).update(re.findall(r"`([a-z_]+)`", m.group(2)))
    return items


# ------------------------------------------------------------------ grammar
class Grammar:
    BUILTIN = {"ipv6", "ipv6_prefix", "ipv4", "ipv4_prefix", "int"}

    def __init__(self, path: str, report: Report):
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
        self.tokens = {k: re.compile(v) for k, v in (data.get("tokens") or {}).items()}
        self.shapes = {mode: [(s, self._compile(s, path, report)) for s in (data.get(mode) or [])]
                       for mode in ("config", "exec")}

    def _compile(self, shape: str, path: str, report: Report) -> list[tuple[str, object, bool, bool]]:
        elems = []
        for word in shape.split():
            optional = word.startswith("[") and word.endswith("]")
            if optional:
                word = word[1:-1]
            repeat = word.endswith("+")
            if repeat:
                word = word[:-1]
            if word.startswith("<") and word.endswith(">"):
                cls = word[1:-1]
                if cls not in self.BUILTIN and cls not in self.tokens:
                    report.err(path, line_of(path, shape), f"shape '{shape}' uses unknown token class <{cls}>")
                elems.append(("class", cls, optional, repeat))
            elif word.startswith("{") and word.endswith("}"):
                elems.append(("alt", set(word[1:-1].split("|")), optional, repeat))
            else:
                elems.append(("lit", word, optional, repeat))
        return elems

    def _token_ok(self, kind: str, val: object, tok: str) -> bool:
        if kind == "lit":
            return tok == val
        if kind == "alt":
            return tok in val or any(a.startswith("<") and self._class_ok(a[1:-1], tok) for a in val)
        return self._class_ok(str(val), tok)

    def _class_ok(self, cls: str, tok: str) -> bool:
        try:
            if cls == "ipv6":
                return "/" not in tok and ipaddress.ip_address(tok).version == 6
            if cls == "ipv4":
                return "/" not in tok and ipaddress.ip_address(tok).version == 4
            if cls == "ipv6_prefix":
                return "/" in tok and ipaddress.ip_network(tok, strict=False).version == 6
            if cls == "ipv4_prefix":
                return "/" in tok and ipaddress.ip_network(tok, strict=False).version == 4
        except ValueError:
            return False
        if cls == "int":
            return tok.isdigit()
        rx = self.tokens.get(cls)
        return bool(rx and rx.fullmatch(tok))

    def _match(self, elems, toks, i=0, j=0) -> bool:
        if i == len(elems):
            return j == len(toks)
        kind, val, optional, repeat = elems[i]
        if optional and self._match(elems, toks, i + 1, j):
            return True
        if j < len(toks) and self._token_ok(kind, val, toks[j]):
            if repeat:
                k = j + 1
                while True:
                    if self._match(elems, toks, i + 1, k):
                        return True
                    if k < len(toks) and self._token_ok(kind, val, toks[k]):
                        k += 1
                        continue
                    return False
            return self._match(elems, toks, i + 1, j + 1)
        return False

    def matches(self, mode: str, line: str) -> bool:
        toks = line.split()
        return any(self._match(elems, toks) for _, elems in self.shapes[mode])

    def nearest(self, mode: str, line: str) -> str:
        """The shape sharing the longest literal prefix with the line (a hint for the message)."""
        toks = line.split()
        best, best_n = "", -1
        for shape, _ in self.shapes[mode]:
            n = 0
            for a, b in zip(shape.split(), toks):
                if a != b:
                    break
                n += 1
            if n > best_n:
                best, best_n = shape, n
        return best


# ------------------------------------------------------------------ rendering
def render_lines(text: str, values: dict[str, str], lists: dict[str, list[str]]):
    """Yields (template line number, rendered line, missing placeholder names) for each command line."""
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        names = PLACEHOLDER.findall(line)
        listed = {LIST_PLACEHOLDERS[x] for x in names if x in LIST_PLACEHOLDERS}
        if len(listed) > 1:
            yield n, line, [f"(a line may repeat over one list only, here {sorted(listed)})"]
            continue
        elements = lists[next(iter(listed))] if listed else [None]
        for index, element in enumerate(elements):
            local = dict(values)
            if listed:
                local.update({k: element for k, v in LIST_PLACEHOLDERS.items() if v in listed})
                local["segment_index"] = str(index + 1)
            missing = [x for x in names if x not in local]
            yield n, PLACEHOLDER.sub(lambda m: local.get(m.group(1), m.group(0)), line), missing


def template_entries(templates: dict) -> list[tuple[str, str, str]]:
    """(intent item for the placeholder table, platform.yaml key, relative path)."""
    out = []
    for key, val in (templates or {}).items():
        if key in ("flavors", "flavor_sets", "knobs"):
            continue
        if key in ("sid", "headend"):
            for behaviour, rel in (val or {}).items():
                out.append((f"{key}.<behaviour>", f"{key}.{behaviour}", rel))
        elif isinstance(val, str):
            out.append((key, key, val))
    return out


SAMPLE_SECTION = {"locator": "locator", "sid.<behaviour>": "sid", "headend.<behaviour>": "headend",
                  "edge_filter": "edge_filter", "hmac_key": "hmac_key", "oflag": "oflag"}


def check_pack(root: str, pack: str, samples: dict, table: dict[str, set[str]], report: Report) -> int:
    pdir = os.path.join(root, "dut-configs", pack)
    ppath = os.path.join(pdir, "platform.yaml")
    try:
        with open(ppath, encoding="utf-8") as f:
            plat = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as e:
        report.err(ppath, 1, f"cannot read platform.yaml: {e}")
        return 0
    for key in REQUIRED_KEYS:
        if key not in plat:
            report.err(ppath, 1, f"missing key '{key}'")
    if plat.get("platform") != pack:
        report.err(ppath, line_of(ppath, "platform:"), f"platform '{plat.get('platform')}' is not the folder name '{pack}'")
    sources = {}
    for s in plat.get("sources") or []:
        if not all(isinstance(s.get(k), str) and s.get(k) for k in ("id", "title", "url")):
            report.err(ppath, line_of(ppath, str(s.get("id", "- id"))), "a source needs id, title and url")
        sources[s.get("id")] = s
    grammar = Grammar(os.path.join(pdir, "grammar.yaml"), report)
    templates = plat.get("templates") or {}
    flavor_words = templates.get("flavors") or {}
    flavor_sets = templates.get("flavor_sets") or {}
    overrides = (samples.get("platform_overrides") or {}).get(pack) or {}
    lists = {k: list(v) for k, v in (samples.get("lists") or {}).items()}
    lists["flavors"] = [flavor_words[f] for f in lists.get("flavors", []) if f in flavor_words]

    listed = set()
    checked = 0
    for item, key, rel in template_entries(templates):
        path = os.path.join(pdir, rel)
        listed.add(os.path.normpath(path))
        if not os.path.isfile(path):
            report.err(ppath, line_of(ppath, rel), f"template '{rel}' ({key}) does not exist")
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        lines = text.split("\n")
        # 1. src comments
        previous = None
        for n, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                m = SRC.match(line)
                if line.startswith("# src") or line.startswith("#src"):
                    if not m:
                        report.err(path, n, "malformed src comment (expected '# src: <source id> <section>')")
                    elif m.group(1) not in sources:
                        report.err(path, n, f"unknown source id '{m.group(1)}' (platform.yaml sources: {', '.join(sorted(sources))})")
                previous = line
                continue
            if previous is None or not SRC.match(previous):
                report.err(path, n, "command line without a '# src: <source id> <section>' comment directly above it")
            previous = line
        # 2. placeholders documented
        allowed = set(table.get(item, set()))
        for n, raw in enumerate(lines, 1):
            if raw.strip().startswith("#"):
                continue
            for name in PLACEHOLDER.findall(raw):
                if name not in allowed:
                    report.err(path, n, f"placeholder '{{{{{name}}}}}' is not in the placeholder table of docs/platform-packs.md for '{item}'")
        # 3. render and parse
        section = SAMPLE_SECTION.get(item, item)
        values = {k: str(v) for k, v in (samples.get(section) or {}).items()}
        if item == "sid.<behaviour>":
            behaviour = key.split(".", 1)[1]
            values.update({k: str(v) for k, v in ((samples.get("sid_overrides") or {}).get(behaviour) or {}).items()})
        values.update({k: str(v) for k, v in (overrides.get(section) or {}).items()})
        values["flavors"] = " ".join(lists["flavors"])
        variants = [None]
        if "flavor_set" in PLACEHOLDER.findall(text):
            if not flavor_sets:
                report.err(path, line_of(path, "{{flavor_set}}"), "uses {{flavor_set}} but platform.yaml has no templates.flavor_sets")
            variants = list(flavor_sets.values()) or [None]
        for variant in variants:
            if variant is not None:
                values["flavor_set"] = str(variant)
            for n, rendered, missing in render_lines(text, values, lists):
                if missing:
                    report.err(path, n, f"no sample value for {', '.join(missing)} in dut-configs/grammar-samples.yaml")
                    continue
                checked += 1
                if not grammar.matches("config", rendered):
                    report.err(path, n, f"rendered line '{rendered}' matches no command shape of {pack}/grammar.yaml "
                                        f"(nearest: '{grammar.nearest('config', rendered)}')")
    # 4. files not listed
    tdir = os.path.join(pdir, "templates")
    if os.path.isdir(tdir):
        for dirpath, _, files in os.walk(tdir):
            for name in files:
                path = os.path.normpath(os.path.join(dirpath, name))
                if path not in listed:
                    report.err(path, 1, "template file is not listed in platform.yaml templates")
    # 5. verbs and session placeholders
    verb_values = {k: str(v) for k, v in (samples.get("verbs") or {}).items()}
    for verb, spec in (plat.get("verbs") or {}).items():
        cmd = (spec or {}).get("command")
        if not cmd:
            continue
        n = line_of(ppath, f"{verb}:")
        missing = [x for x in PLACEHOLDER.findall(cmd) if x not in verb_values]
        if missing:
            report.err(ppath, n, f"verb {verb} uses {', '.join(missing)}, not in table `verbs` of docs/platform-packs.md / the samples")
            continue
        rendered = PLACEHOLDER.sub(lambda m: verb_values[m.group(1)], cmd)
        checked += 1
        if not grammar.matches("exec", rendered):
            report.err(ppath, n, f"verb {verb} renders '{rendered}', which matches no exec shape of {pack}/grammar.yaml "
                                 f"(nearest: '{grammar.nearest('exec', rendered)}')")
    for key, cmd in (plat.get("session") or {}).items():
        if isinstance(cmd, str):
            for name in PLACEHOLDER.findall(cmd):
                if name not in SESSION_PLACEHOLDERS:
                    report.err(ppath, line_of(ppath, f"{key}:"), f"session.{key} uses unknown placeholder '{{{{{name}}}}}'")
    return checked


def packs_in(root: str) -> list[str]:
    base = os.path.join(root, "dut-configs")
    return sorted(d for d in os.listdir(base) if os.path.isfile(os.path.join(base, d, "grammar.yaml")))


def run(root: str, packs: list[str] | None) -> int:
    report = Report(root)
    doc = os.path.join(root, "docs", "platform-packs.md")
    table = doc_placeholders(doc)
    if not table:
        print(f"check-pack-grammar: no placeholder table found in {doc}", file=sys.stderr)
        return 2
    with open(os.path.join(root, "dut-configs", "grammar-samples.yaml"), encoding="utf-8") as f:
        samples = yaml.safe_load(f) or {}
    counts = {}
    for pack in packs or packs_in(root):
        before = len(report.errors)
        counts[pack] = (check_pack(root, pack, samples, table, report), len(report.errors) - before)
    for e in report.errors:
        print(e)
    for pack, (n, errs) in counts.items():
        print(f"{'OK  ' if errs == 0 else 'FAIL'} {pack}: {n} rendered lines checked, {errs} error(s)")
    return 1 if report.errors else 0


# ------------------------------------------------------------------ self-test
SEEDS = [
    # (name, file relative to the copy, old text, new text, expected "file:line" prefix part, expected reason part)
    ("command typo", "dut-configs/iosxr/templates/locator.cfg", "    prefix {{locator}}", "    prefx {{locator}}",
     "dut-configs/iosxr/templates/locator.cfg:", "matches no command shape"),
    ("keyword typo", "dut-configs/vrp/templates/sid-end-x.cfg", "  opcode {{function_opcode}} end-x interface",
     "  opcode {{function_opcode}} end-x interfce",
     "dut-configs/vrp/templates/sid-end-x.cfg:", "matches no command shape"),
    ("missing src comment", "dut-configs/junos/templates/edge-filter.cfg",
     "# src: jn-fw-match \"Firewall Filter Actions\" (accept; a term without match conditions matches every packet)\n", "",
     "dut-configs/junos/templates/edge-filter.cfg:", "without a '# src:"),
    ("unknown source id", "dut-configs/sros/templates/locator.cfg", "# src: netlab-sros segment-routing-v6 locator (block-length)",
     "# src: netlab-sross segment-routing-v6 locator (block-length)", "dut-configs/sros/templates/locator.cfg:", "unknown source id"),
    ("undocumented placeholder", "dut-configs/vrp/templates/sid-end.cfg", "opcode {{function_opcode}} end",
     "opcode {{function_opcod}} end", "dut-configs/vrp/templates/sid-end.cfg:", "not in the placeholder table"),
    ("listed template missing", "dut-configs/eos/platform.yaml", "locator: templates/locator.cfg",
     "locator: templates/locators.cfg", "dut-configs/eos/platform.yaml:", "does not exist"),
    ("verb typo", "dut-configs/junos/platform.yaml", "source {{source}} count {{count}}",
     "source {{source}} cnt {{count}}", "dut-configs/junos/platform.yaml:", "matches no exec shape"),
    ("bad address in a shape position", "dut-configs/sros/templates/sid-end.cfg", "function end {{function_dec}}",
     "function end {{function}}x", "dut-configs/sros/templates/sid-end.cfg:", "matches no command shape"),
]


def self_test(root: str) -> int:
    script = os.path.abspath(__file__)
    failures = 0

    def copy() -> str:
        tmp = tempfile.mkdtemp(prefix="packgrammar-")
        shutil.copytree(os.path.join(root, "dut-configs"), os.path.join(tmp, "dut-configs"))
        os.makedirs(os.path.join(tmp, "docs"))
        shutil.copy(os.path.join(root, "docs", "platform-packs.md"), os.path.join(tmp, "docs"))
        return tmp

    def check(tmp: str):
        p = subprocess.run([sys.executable, script, "--root", tmp], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    tmp = copy()
    rc, out = check(tmp)
    shutil.rmtree(tmp)
    print(f"{'PASS' if rc == 0 else 'FAIL'} unmodified copy: exit {rc}")
    failures += rc != 0
    if rc != 0:
        print(out)
    seeds = list(SEEDS) + [("unlisted template file", "dut-configs/iosxr/templates/stray.cfg", None, "# src: xr-usid x\nsegment-routing\n",
                            "dut-configs/iosxr/templates/stray.cfg:1", "not listed in platform.yaml")]
    for name, rel, old, new, where, reason in seeds:
        tmp = copy()
        path = os.path.join(tmp, rel)
        if old is None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if old not in text:
                print(f"FAIL {name}: seed text not found in {rel}")
                failures += 1
                shutil.rmtree(tmp)
                continue
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(old, new, 1))
        rc, out = check(tmp)
        shutil.rmtree(tmp)
        hit = [l for l in out.splitlines() if l.startswith(where) and reason in l]
        ok = rc == 1 and bool(hit)
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'} {name}: exit {rc}; {hit[0] if hit else 'expected error not reported'}")
        if not ok:
            print(out)
    print(f"self-test: {len(seeds) + 1 - failures}/{len(seeds) + 1} passed")
    return 1 if failures else 0


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(here), help="repository root (default: this script's parent)")
    ap.add_argument("--self-test", action="store_true", help="seed typos into a temporary copy and assert failures")
    ap.add_argument("packs", nargs="*", help="packs to check (default: every dut-configs/<p>/ with a grammar.yaml)")
    a = ap.parse_args()
    if a.self_test:
        return self_test(a.root)
    return run(a.root, a.packs)


if __name__ == "__main__":
    sys.exit(main())
