"""The new-campaign form as a campaign file, checked exactly as ``safetybot campaign validate`` checks it.

The form's fields are written out as the YAML an organizer would write (remembering which line each
field went to), and the file, written or uploaded, goes through
:func:`bot.services.campaigns.validate.validate_campaign`: the same problems with the same file:line
messages as on the command line, each also placed next to its form field.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from starlette.datastructures import FormData, UploadFile

from bot.content.library import ContentLibrary
from bot.services.campaigns.models import CampaignFile
from bot.services.campaigns.validate import validate_campaign

FORM_FILE = "campaign.yaml"
"""The name problems in a campaign made with the form are reported under."""
MAX_UPLOAD_BYTES = 256 * 1024
LIST_FIELDS = ("platforms", "languages", "categories")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Checked:
    """A campaign file checked: the campaign (None when invalid), its text, and every problem."""

    yaml_text: str
    file_name: str
    campaign: CampaignFile | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.campaign is not None and not self.problems


def form_values(form: FormData, languages: list[str]) -> dict[str, Any]:
    """What the person entered, as campaign_new.html's ``values``."""

    def one(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    values: dict[str, Any] = {
        name: one(name)
        for name in ("name", "schedule_kind", "at", "daily_time", "daily_from", "daily_to", "timezone")
    }
    values |= {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in LIST_FIELDS}
    values |= {name: one(name) for name in ("message_kind", "tip", "fallback_language")}
    values["text"] = {lang: one(f"text_{lang}") for lang in languages if one(f"text_{lang}")}
    return values


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def form_yaml(values: dict[str, Any]) -> tuple[str, dict[int, str]]:
    """The campaign file the form describes, and the form field behind each line (1-based)."""
    lines: list[tuple[str, str]] = [(f"name: {_quoted(values.get('name', ''))}", "name"), ("audience:", "")]
    for name in LIST_FIELDS:
        chosen = values.get(name) or []
        lines.append((f"  {name}: [{', '.join(_quoted(v) for v in chosen)}]", name))
    lines.append(("schedule:", "schedule_kind"))
    if values.get("schedule_kind") == "daily":
        lines.append(("  daily:", "schedule_kind"))
        lines.append((f"    time: {_quoted(values.get('daily_time', ''))}", "daily_time"))
        for key, name in (("from", "daily_from"), ("to", "daily_to")):
            value = values.get(name, "")
            lines.append((f"    {key}: {value if _DATE.match(value) else _quoted(value)}", name))
    elif values.get("at"):
        lines.append((f"  at: {_quoted(values['at'])}", "at"))
    lines.append((f"  timezone: {_quoted(values.get('timezone') or 'subscriber')}", "timezone"))
    fallback = values.get("fallback_language") or "en"
    lines.append((f"fallback_language: {_quoted(fallback)}", "fallback_language"))
    lines.append(("messages:", "message_kind"))
    if values.get("message_kind") == "tip":
        lines.append((f"  - tip: {_quoted(values.get('tip', ''))}", "tip"))
    else:
        texts: dict[str, str] = values.get("text") or {}
        lines.append(("  - text:" if texts else "  - text: {}", f"text_{fallback}"))
        lines += [(f"      {_quoted(lang)}: {_quoted(text)}", f"text_{lang}") for lang, text in texts.items()]
    return "\n".join(text for text, _ in lines) + "\n", {
        i + 1: name for i, (_, name) in enumerate(lines) if name
    }


def check_text(
    yaml_text: str, file_name: str, content: ContentLibrary, fields: dict[int, str] | None = None
) -> Checked:
    """Check a campaign file's text as the command line would (problems named ``file_name:line``)."""
    checked = Checked(yaml_text, file_name)
    with tempfile.TemporaryDirectory(prefix="safetybot-campaign-") as folder:
        path = Path(folder) / file_name
        path.write_text(yaml_text, encoding="utf-8")
        checked.campaign, problems = validate_campaign(path, content)
    for problem in problems:
        where = (fields or {}).get(problem.line)
        checked.problems.append(
            {"file": file_name, "line": problem.line, "message": problem.message, "field": where}
        )
        if where:
            checked.errors.setdefault(where, []).append(problem.message)
    return checked


def check_form(values: dict[str, Any], content: ContentLibrary) -> Checked:
    """Check what the form describes."""
    text, fields = form_yaml(values)
    return check_text(text, FORM_FILE, content, fields)


async def check_upload(upload: UploadFile, content: ContentLibrary) -> Checked | str:
    """Check an uploaded campaign file; a short reason instead when it cannot be read at all."""
    name = _SAFE_NAME.sub("-", PurePath(upload.filename or FORM_FILE).name)[:80] or FORM_FILE
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if not data:
        return "empty"
    if len(data) > MAX_UPLOAD_BYTES:
        return "too_big"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "not_text"
    return check_text(text, name, content)
