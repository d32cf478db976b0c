"""Every scanner suppression is listed, with its reason, in docs/security.md.

A `# nosec` (bandit) or `# noqa: S…` (ruff's security rules) silences a finding for good. The list
in docs/security.md ("Suppressed scanner findings") says, per file and markers, how many lines carry
them and why; this test fails when the code and the list disagree, so that a new suppression cannot
arrive unexplained. Rules switched off in pyproject.toml are checked the same way.
"""

import io
import re
import tokenize
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
SKIPPED_FOLDERS = {".venv", "venv", "node_modules", "staticfiles", "__pycache__", ".git"}

NOSEC = re.compile(r"#\s*nosec\b(?P<codes>[^#]*)")
NOQA = re.compile(r"#\s*noqa\b(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*))?")
ROW = re.compile(r"^\|\s*`(?P<path>[^`]+)`\s*\|\s*(?P<markers>(?:`[^`]+`\s*)+)\|\s*(?P<lines>\d+)\s*\|")
RULES_ROW = re.compile(r"^\|\s*`(?P<files>[^`]+)`\s*\|\s*(?P<rules>(?:`[^`]+`\s*)+)\|")


def _python_files() -> list[Path]:
    return sorted(
        path for path in ROOT.rglob("*.py")
        if not SKIPPED_FOLDERS & set(path.relative_to(ROOT).parts[:-1])
        and not any(part.startswith(".") for part in path.relative_to(ROOT).parts[:-1])
    )


def markers_of(comment: str) -> tuple[str, ...]:
    """The security suppressions a comment carries: bandit codes (or `nosec`), ruff S codes (or `noqa`)."""
    found: set[str] = set()
    for match in NOSEC.finditer(comment):
        codes = re.findall(r"\bB\d{3}\b", match["codes"])
        found.update(codes or ["nosec"])
    for match in NOQA.finditer(comment):
        if match["codes"] is None:
            found.add("noqa")  # a bare noqa silences every rule, the security ones too
        else:
            found.update(code for code in re.split(r"\s*,\s*", match["codes"]) if re.fullmatch(r"S\d+", code))
    return tuple(sorted(found))


def markers_in_code() -> Counter:
    """Per (file, markers): how many lines carry them. Comments only, as the scanners read them."""
    counts: Counter = Counter()
    for path in _python_files():
        source = path.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and (markers := markers_of(token.string)):
                counts[(path.relative_to(ROOT).as_posix(), markers)] += 1
    return counts


def _section(title: str) -> list[str]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"## {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def markers_listed() -> Counter:
    counts: Counter = Counter()
    for line in _section("Suppressed scanner findings"):
        match = ROW.match(line)
        if match:
            markers = tuple(sorted(re.findall(r"`([^`]+)`", match["markers"])))
            counts[(match["path"], markers)] += int(match["lines"])
    return counts


def test_the_marker_parser_reads_both_tools_and_ignores_other_rules():
    def comment(text: str) -> str:  # the markers are built here, so that this file carries none
        return "#" + " " + text

    assert markers_of(comment("noqa: S608  ") + comment("nosec B608")) == ("B608", "S608")
    assert markers_of(comment("noqa: S603")) == ("S603",)
    assert markers_of(comment("noqa: E501, S105 (a prefix)")) == ("S105",)
    assert markers_of(comment("nosec")) == ("nosec",)
    assert markers_of(comment("noqa")) == ("noqa",)
    assert markers_of(comment("noqa: SLF001 - read below")) == ()
    assert markers_of(comment("noqa: F403")) == ()
    assert markers_of(comment("a comment about nosec markers")) == ()


def test_every_suppression_in_the_code_is_listed_with_its_reason():
    in_code, listed = markers_in_code(), markers_listed()
    unlisted = {key: count for key, count in in_code.items() if listed.get(key) != count}
    stale = {key: count for key, count in listed.items() if in_code.get(key) != count}
    assert not unlisted and not stale, (
        "docs/security.md, 'Suppressed scanner findings', must list every suppression of the code.\n"
        f"In the code but not listed (or another number of lines): {unlisted}\n"
        f"Listed but not in the code (or another number of lines): {stale}"
    )


def test_every_security_rule_switched_off_in_pyproject_is_listed():
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    configured = {"*": {code for code in lint.get("ignore", []) if code.startswith("S")}}
    for pattern, codes in lint.get("per-file-ignores", {}).items():
        configured[pattern] = {code for code in codes if code.startswith("S")}
    listed = {}
    for line in _section("Suppressed scanner findings"):
        match = RULES_ROW.match(line)
        if match and not ROW.match(line):
            listed[match["files"]] = set(re.findall(r"`([^`]+)`", match["rules"]))
    assert {pattern: codes for pattern, codes in configured.items() if codes} == listed
