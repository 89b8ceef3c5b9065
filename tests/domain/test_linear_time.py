"""Every regular expression in `domain/` runs in time linear in its input, and so do the parsers built on
them: a red-team upload (a resume whose first line is 30,000 letters, a posting of "Title\\n1" and
15,000 spaces) froze the server for 14-17 s through two backtracking patterns.

The patterns are collected programmatically (module globals, containers of them, class attributes,
and the lexicon's generated ones), so a new pattern is checked without being listed here; a static
check keeps inline literal patterns (`re.search(r"...")` in a function) out of `domain/`, since this
test could not see them.

This is the one place a growth-ratio timing check is allowed: each pattern scans adversarial inputs
(long runs of one character class, long near-matches, the pattern's own words repeated or followed by
a long run) at n and 4n characters, and 4n may cost at most 8x n plus a small floor. A linear pattern
passes by a wide margin; a quadratic one costs ~16x (and seconds), a cubic one far more.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import domain
from domain.documents.resume_parsing import MAX_LINE_CHARS, parse_resume
from domain.errors import JobParsingFailed, ResumeParsingFailed
from domain.job_parsing import parse_job
from domain.matching import _names_pattern
from domain.skills import _pattern, default_lexicon

SMALL = 5_000  # characters; the large input is 4x
GROWTH = 8.0  # 4x the input may cost at most 8x the time ...
FLOOR_S = 0.002  # ... plus this, so that timings of a few microseconds cannot flake
HOPELESS_S = 0.25  # a pattern this slow on the small input is not linear in any useful sense
RETRY_BELOW_S = 0.05  # a failure this quick might be noise (a busy machine): it is measured again
MAX_WORDS = 16  # of a pattern's own words, each making a few inputs
REPORTED = 3  # failures per pattern: enough to see the shape, without timing every slow input
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


# --- the patterns -------------------------------------------------------------------------------------


def _domain_modules() -> list:
    return [importlib.import_module(info.name) for info in pkgutil.walk_packages(domain.__path__, "domain.")]


def _collect(value: object, name: str, found: dict[str, re.Pattern[str]], seen: set[int], depth: int = 0) -> None:
    if isinstance(value, re.Pattern):
        if id(value) not in seen and isinstance(value.pattern, str):
            seen.add(id(value))
            found[name] = value
    elif depth < 3 and isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            _collect(item, f"{name}[{index}]", found, seen, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for key, item in value.items():
            _collect(item, f"{name}[{key!r}]", found, seen, depth + 1)


def _patterns() -> dict[str, re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}
    seen: set[int] = set()
    for module in _domain_modules():
        for name, value in vars(module).items():
            _collect(value, f"{module.__name__}.{name}", found, seen)
            if inspect.isclass(value) and value.__module__ == module.__name__:
                for attribute, item in vars(value).items():
                    _collect(item, f"{module.__name__}.{name}.{attribute}", found, seen)
    # Patterns built at run time: the lexicon's (whole and a subset, as `skills_among` builds them),
    # a job's skill names (matching), and the whole-word shape `locate` and `keyword_coverage` build.
    lexicon = default_lexicon()
    found["domain.skills.Lexicon._pattern"] = lexicon._pattern
    found["domain.skills._pattern(subset)"] = _pattern(["go", "rust", "machine learning", "c++", "node.js", "r"])
    names = _names_pattern(("Python", "Machine Learning", "C++", "Go"))
    assert names is not None
    found["domain.matching._names_pattern"] = names
    found["whole word (matching.locate)"] = re.compile(rf"(?<![\w+#]){re.escape('ci/cd')}(?![\w+#])", re.I)
    return found


PATTERNS = _patterns()


def test_the_patterns_are_found() -> None:
    names = set(PATTERNS)
    for expected in (
        "domain.documents.resume_parsing._EMAIL",
        "domain.documents.resume_parsing._RANGE",
        "domain.job_parsing._YEARS",
        "domain.job_parsing._YEARS_WORD",
        "domain.ai.truthfulness._CAPITALISED",
        "domain.ai.enhance.WORDY[0][0]",
    ):
        assert expected in names
    assert len(PATTERNS) >= 80


_RE_CALLS = {"search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split", "compile"}


def test_no_inline_literal_patterns_in_domain() -> None:
    """`re.search(r"...")` and friends inside functions hide a pattern from the collection above: name it
    as a module constant instead. Patterns built from data (`rf"...{re.escape(x)}..."`) are checked
    through the samples added in `_patterns`."""
    root = Path(domain.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        in_function: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                in_function.update(id(child) for child in ast.walk(node) if child is not node)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _RE_CALLS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            if node.func.attr != "compile" or id(node) in in_function:
                offenders.append(f"{path.relative_to(root.parent)}:{node.lineno} re.{node.func.attr}")
    assert not offenders, "name these patterns as module constants: " + ", ".join(offenders)


# --- adversarial inputs -------------------------------------------------------------------------------


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


FAMILIES: dict[str, Callable[[int], str]] = {
    # long runs of one class
    "letters": lambda n: "a" * n,
    "capitals": lambda n: "A" * n,
    "digits": lambda n: "1" * n,
    "spaces": lambda n: " " * n,
    "tabs": lambda n: "\t" * n,
    "newlines": lambda n: "\n" * n,
    "dots": lambda n: "." * n,
    "hyphens": lambda n: "-" * n,
    "ats": lambda n: "@" * n,
    "parens": lambda n: "(" * n,
    # long near-matches and mixes
    "letters then @": lambda n: "a" * n + "@",
    "@ then letters": lambda n: "a@" + "b" * n,
    "letters and dots": lambda n: _repeat("a.", n),
    "letters and @": lambda n: _repeat("a@", n),
    "letters and hyphens": lambda n: _repeat("a-", n),
    "digit, spaces, x": lambda n: "1" + " " * n + "x",
    "red team: Title 1 spaces x": lambda n: "Title\n1" + " " * n + "x",
    "digits then years?": lambda n: "1" * n + " year",
    "digits and commas": lambda n: _repeat("1,", n),
    "digits and spaces": lambda n: _repeat("1 ", n),
    "year, spaces, x": lambda n: "2020" + " " * n + "x",
    "spaces then year": lambda n: " " * n + "2020x",
    "dash bullets": lambda n: _repeat("- ", n),
    "capital words": lambda n: _repeat("A ", n),
    "capital, spaces, x": lambda n: "A" + " " * n + "x",
    "newline and space": lambda n: _repeat("\n ", n),
    "blank lines with tabs": lambda n: _repeat("\n\t \n", n),
    "sentence ends": lambda n: _repeat(". ", n),
    "word, comma, spaces": lambda n: "Ab," + " " * n,
    "mixed classes": lambda n: _repeat("ab1 .-@\n(", n),
    "prose": lambda n: _repeat("Senior Python engineer at Acme, 5+ years of Go or Rust (remote). ", n),
}


def _pattern_words(pattern: re.Pattern[str]) -> list[str]:
    """Literal words of the pattern ("years", "jan", "remote"): inputs built from them reach deep into it."""
    source = re.sub(r"\[(?:\\.|[^\]\\])*\]", " ", pattern.pattern)  # character classes
    source = re.sub(r"\\.|\(\?P?<\w+>|\{\d*,?\d*\}", " ", source)  # escapes, group names, counts
    words = list(dict.fromkeys(word.lower() for word in re.findall(r"[A-Za-z]{2,}", source)))
    if len(words) > MAX_WORDS:  # a long list of titles or skills: a spread of them
        words = [words[round(i * (len(words) - 1) / (MAX_WORDS - 1))] for i in range(MAX_WORDS)]
    return words


def _word_families(word: str) -> dict[str, Callable[[int], str]]:
    return {
        f"{word!r} glued": lambda n: _repeat(word, n),
        f"{word!r} repeated": lambda n: _repeat(word + " ", n),
        f"{word!r}, spaces, x": lambda n: word + " " * n + "x",
        f"{word!r} (": lambda n: _repeat(word + " (", n),
        f"{word!r} capitalised, spaces, x": lambda n: word.capitalize() + " " * n + "x",
    }


def _cost(pattern: re.Pattern[str], text: str, runs: int) -> float:
    """Best of `runs` full scans (finditer covers search, findall, sub and split)."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        for _match in pattern.finditer(text):
            pass
        best = min(best, time.perf_counter() - started)
        if best <= FLOOR_S / 4:
            break  # too quick to matter
    return best


_INPUTS: dict[tuple[str, int], str] = {}


def _input(name: str, build: Callable[[int], str], size: int) -> str:
    key = (name, size)
    if key not in _INPUTS:
        _INPUTS[key] = build(size)
    return _INPUTS[key]


def _growth_failure(pattern: re.Pattern[str], name: str, build: Callable[[int], str]) -> str | None:
    small, large = _input(name, build, SMALL), _input(name, build, 4 * SMALL)
    for runs in (2, 5):  # a failure is measured again, more carefully, before it counts
        small_cost = _cost(pattern, small, runs)
        if small_cost > HOPELESS_S:
            return f"{name}: {small_cost * 1000:.0f} ms on {len(small)} characters"
        large_cost = _cost(pattern, large, runs)
        if large_cost <= GROWTH * small_cost + FLOOR_S:
            return None
        if large_cost > RETRY_BELOW_S:
            break  # far too slow for noise to explain
    ratio = large_cost / max(small_cost, 1e-9)
    return (
        f"{name}: {small_cost * 1000:.2f} ms at {len(small)} chars, {large_cost * 1000:.2f} ms at {len(large)}"
        f" (x{ratio:.1f})"
    )


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_runs_in_linear_time(name: str) -> None:
    pattern = PATTERNS[name]
    families = dict(FAMILIES)
    for word in _pattern_words(pattern):
        families.update(_word_families(word))
    failures: list[str] = []
    for family, build in families.items():
        if failure := _growth_failure(pattern, family, build):
            failures.append(failure)
            if len(failures) == REPORTED:
                break
    assert not failures, f"{pattern.pattern[:200]!r} is super-linear on: " + "; ".join(failures)


# --- the lexicon's prefix-tree pattern matches what the plain alternation matched ---------------------


def _plain_alternation(forms: list[str]) -> re.Pattern[str]:
    """The lexicon's pattern before it was factored by prefixes: one branch per form, longest first."""
    ordered = sorted(forms, key=len, reverse=True)
    alternation = "|".join(re.escape(form).replace(r"\ ", r"\s+") for form in ordered)
    return re.compile(rf"(?<![\w+#.@])(?:{alternation})(?![\w+#@&]|\.\w)", re.IGNORECASE)


def test_lexicon_pattern_matches_like_a_plain_alternation() -> None:
    lexicon = default_lexicon()
    forms = sorted(lexicon._by_form)
    plain = _plain_alternation(forms)
    rng = random.Random(5)
    glue = [" ", "  ", "\n", ", ", ".", "-", "+", "#", "/", "(", ")", "@", "&", "", " \t ", ". "]
    texts = [(FIXTURES / "jobs" / "senior_backend_python.txt").read_text()]
    for _ in range(400):
        words = []
        for _ in range(rng.randint(1, 10)):
            word = rng.choice(forms)
            word = rng.choice([word, word.upper(), word.title(), word[: rng.randint(0, len(word))]])
            words.append(word.replace(" ", rng.choice([" ", "  ", "\n"])) + rng.choice(glue))
        texts.append("".join(words))
    for text in texts:
        expected = [(m.start(), m.group()) for m in plain.finditer(text)]
        assert [(m.start(), m.group()) for m in lexicon._pattern.finditer(text)] == expected, text


# --- the parsers on the red team's inputs -------------------------------------------------------------


def _best_seconds(action: Callable[[], object], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def _assert_linear(action_for: Callable[[int], Callable[[], object]], size: int) -> None:
    """The parser on the red-team input (`size`) costs at most 8x what it costs on a quarter of it."""
    for runs in (2, 4):
        small, large = _best_seconds(action_for(size // 4), runs), _best_seconds(action_for(size), runs)
        if large <= GROWTH * small + FLOOR_S * 5:
            return
    pytest.fail(f"{small * 1000:.1f} ms at {size // 4}, {large * 1000:.1f} ms at {size}")


def _resume_with_first_line(letters: int) -> str:
    return "x" * letters + "\n" + (FIXTURES / "resumes" / "maya_chen.txt").read_text()


def _parse_resume_or_refuse(text: str) -> None:
    try:
        parse_resume(text, default_lexicon())
    except ResumeParsingFailed:
        pass


def test_red_team_resume_with_a_30000_letter_first_line_parses_in_linear_time() -> None:
    parsed = parse_resume(_resume_with_first_line(30_000), default_lexicon())
    assert parsed.email == "maya.chen@example.com"
    assert parsed.experiences and parsed.skills
    with pytest.raises(ResumeParsingFailed):  # the letters alone are no resume: the usual domain error
        parse_resume("x" * 30_000, default_lexicon())
    _assert_linear(lambda n: lambda: parse_resume(_resume_with_first_line(n), default_lexicon()), 30_000)
    _assert_linear(lambda n: lambda: _parse_resume_or_refuse("a" * n + "@"), 30_000)


def test_resume_lines_are_cut_before_the_patterns_read_them() -> None:
    text = (FIXTURES / "resumes" / "maya_chen.txt").read_text().replace("SUMMARY\n", "SUMMARY\n" + "word " * 5_000)
    parsed = parse_resume(text, default_lexicon())
    assert parsed.summary is not None and len(parsed.summary) <= MAX_LINE_CHARS + 200


def _red_team_posting(spaces: int) -> str:
    return "Title\n1" + " " * spaces + "x"


def _parse_job_or_refuse(text: str) -> None:
    try:
        parse_job(text, default_lexicon())
    except JobParsingFailed:
        pass


def test_red_team_posting_of_a_digit_and_15000_spaces_parses_in_linear_time() -> None:
    with pytest.raises(JobParsingFailed):  # nothing in it looks like a job: the usual domain error
        parse_job(_red_team_posting(15_000), default_lexicon())
    _assert_linear(lambda n: lambda: _parse_job_or_refuse(_red_team_posting(n)), 15_000)


@pytest.mark.parametrize(
    "unit",
    [
        "- 5+ years of Python and SQL with distributed systems, Kubernetes and AWS.\n",  # realistic
        "Go ",  # ambiguous skill names, each needing its context read
        "1 ",
        "one ",
        "Jan ",
        "remote (",
        "Staff ",
        "a@b.",
        " ",
    ],
)
def test_long_postings_parse_in_linear_time(unit: str) -> None:
    def action_for(size: int) -> Callable[[], None]:
        text = "Backend Engineer at Acme\nRequirements\n" + _repeat(unit, size)
        return lambda: _parse_job_or_refuse(text)

    _assert_linear(action_for, 48_000)
