"""Content validation: the shipped content is valid; broken content yields exact file:line problems."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.content.loader import load_content
from bot.content.models import MAX_BUTTON_LABEL
from bot.content.problems import ContentError
from bot.content.reading import DEFAULT_CONTENT_DIR

BROKEN = Path(__file__).parent / "fixtures" / "broken-content"
CLI = [sys.executable, "-m", "bot.cli"]


def run_check(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "content", "check", str(directory)], capture_output=True, text=True, timeout=120
    )


def test_shipped_content_is_valid_and_counted() -> None:
    result = run_check(DEFAULT_CONTENT_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "en: " in result.stdout
    assert "47 faq" in result.stdout
    assert "content OK: 47 topics" in result.stdout


def test_broken_content_reports_every_problem_with_file_and_line() -> None:
    result = run_check(BROKEN)
    assert result.returncode == 1
    lines = set(result.stdout.splitlines())
    base = str(BROKEN)
    expected = {
        f"{base}/en/crisis-signals.yaml:2: signals pattern is not a valid regex: "
        "missing ), unterminated subpattern at position 2",
        f"{base}/en/crisis.yaml:2: resources[0].contact: missing field",
        f"{base}/en/faq.yaml:1: en has no FAQ entry for catalog topic 'spot-phishing'",
        f"{base}/en/faq.yaml:8: FAQ 'location-sharing': answer has 4 words; write 60 to 180",
        f"{base}/en/faq.yaml:9: FAQ 'location-sharing': related FAQ 'no-such-topic' does not exist",
        f"{base}/en/tips.yaml:5: duplicate tip id 'tip-one' in en (first at tips.yaml)",
        f"{base}/en/tips.yaml:9: tip 'tip-three': category 'astrology' is not in the catalog",
        f"{base}/en/tips.yaml:13: tips[3].text: String should have at least 20 characters",
        f"{base}/en/tips.yaml:14: tips[3].colour: unknown field",
        f"{base}/en/ui.yaml:3: string 'button.topics' is a button label of 58 characters; "
        f"at most {MAX_BUTTON_LABEL}",
    }
    assert expected <= lines, sorted(expected - lines)


def test_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    tips = root / "en" / "tips.yaml"
    lines = tips.read_text().splitlines()
    lines.insert(3, "  - id: [unclosed")
    tips.write_text("\n".join(lines))
    result = run_check(root)
    assert result.returncode == 1
    assert (
        f"{tips}:6: not valid YAML: expected ',' or ']', but got '-' (in what starts on line 4)"
        in result.stdout
    )


def test_missing_language_file_and_label_too_long(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    (root / "en" / "crisis.yaml").unlink()
    faq = next((root / "en").glob("faq*.yaml"))
    text = faq.read_text()
    first_label_line = next(
        i for i, line in enumerate(text.splitlines(), 1) if line.strip().startswith("label:")
    )
    lines = text.splitlines()
    indent = lines[first_label_line - 1].split("label:")[0]
    lines[first_label_line - 1] = f'{indent}label: "{"x" * 60}"'
    faq.write_text("\n".join(lines) + "\n")
    with pytest.raises(ContentError) as caught:
        load_content(root)
    report = caught.value.report()
    assert f"{root}/en/crisis.yaml:1: missing: every language needs its crisis file" in report
    assert f"{faq}:{first_label_line}: FAQ" in report
    assert "label is 60 characters; buttons allow at most 40" in report


def test_every_catalog_topic_has_an_entry_in_every_language() -> None:
    content = load_content()
    for lang in content.shipped:
        ids = {entry.id for entry in content.lang(lang).faq}
        assert ids == set(content.catalog.topics), lang


def test_every_ui_key_the_code_uses_exists() -> None:
    """Scan the code for say("key") calls: each key must be in the default language's ui.yaml."""
    import re

    content = load_content()
    keys = set(content.lang("en").ui.strings)
    used: set[str] = set()
    for path in Path("bot").rglob("*.py"):
        used |= set(re.findall(r"""say\(\s*(?:[a-z_.]+,\s*)?["']([a-z_]+\.[a-z_.]+)["']""", path.read_text()))
    assert used, "the scan found no keys at all"
    assert used <= keys, sorted(used - keys)


def test_run_refuses_to_start_on_invalid_content(tmp_path: Path) -> None:
    env = {"SAFETYBOT_CONTENT_DIR": str(BROKEN), "SAFETYBOT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [*CLI, "run"], capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 1
    assert "refusing to start" in result.stderr
    assert "tips.yaml:5: duplicate tip id 'tip-one'" in result.stderr
    assert "Traceback" not in result.stderr


def test_crisis_examples_need_every_kind_and_enough_of_them(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    examples = root / "fr" / "crisis-examples.yaml"
    data = yaml.safe_load(examples.read_text())
    data["crisis"]["sexual-abuse"] = data["crisis"]["sexual-abuse"][:3]
    data["crisis"]["plan-means"] = []
    data["crisis"]["suicidal-indirect"] = data["crisis"]["suicidal-indirect"][:40]
    data["safe"]["jokes"] = ["une blague"]
    examples.write_text(yaml.safe_dump(data, allow_unicode=True))
    for more in (root / "fr").glob("crisis-examples-*.yaml"):  # later rounds count towards the totals
        more.unlink()
    result = run_check(root)
    assert result.returncode == 1
    assert "fr has 3 crisis examples of kind 'sexual-abuse'; at least 20 are needed" in result.stdout
    assert re.search(r"fr has \d+ crisis examples; at least 500 are needed", result.stdout)
    assert "unknown safe kind 'jokes'" in result.stdout
    assert re.search(r"^fr: \d+% complete \(.*crisis examples \d+/500", result.stdout, re.M)
