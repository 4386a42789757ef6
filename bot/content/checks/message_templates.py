"""Checks of the message templates (``whatsapp-templates.yaml``) against the rules Meta applies when an
organizer submits them: one template per kind of scheduled message, the same name in every language,
the body's ``{{1}}``... numbered in order, neither first nor last, with an example for each, and the
lengths Meta allows."""

from __future__ import annotations

from bot.content.message_templates import (
    MAX_BODY,
    MAX_FOOTER,
    PARAMETERS_PER_KIND,
    PLACEHOLDER,
    TEMPLATE_KINDS,
    MessageTemplate,
    MessageTemplatesFile,
)
from bot.content.problems import Problem
from bot.content.reading import Located


def _templates(files: list[Located]) -> list[tuple[Located, int, MessageTemplate]]:
    return [
        (located, index, template)
        for located in files
        if isinstance(located.model, MessageTemplatesFile)
        for index, template in enumerate(located.model.templates)
    ]


def _body_problems(template: MessageTemplate) -> list[str]:
    """What Meta would refuse in one template's body, footer and examples."""
    found: list[str] = []
    body = template.body
    numbers = [match.group(1) for match in PLACEHOLDER.finditer(body)]
    if any(not number.isdigit() for number in numbers):
        found.append("placeholders must be numbered: {{1}}, {{2}}...")
    elif [int(number) for number in numbers] != list(range(1, len(numbers) + 1)):
        found.append("placeholders must be {{1}}, {{2}}... each once, in order")
    expected = PARAMETERS_PER_KIND[template.kind]
    if len(numbers) != expected:
        found.append(f"a {template.kind} template takes {expected} placeholder(s), not {len(numbers)}")
    if len(template.example) != len(numbers):
        found.append(f"give one example per placeholder ({len(numbers)}), not {len(template.example)}")
    stripped = body.strip()
    if PLACEHOLDER.match(stripped) or PLACEHOLDER.fullmatch(stripped[stripped.rfind("{{") :]):
        found.append("the body may not start or end with a placeholder (Meta refuses it)")
    if "}}{{" in body.replace(" ", ""):
        found.append("two placeholders may not touch (Meta refuses it)")
    if len(body) > MAX_BODY:
        found.append(f"the body is {len(body)} characters; Meta allows {MAX_BODY}")
    if template.footer is not None:
        if len(template.footer) > MAX_FOOTER:
            found.append(f"the footer is {len(template.footer)} characters; Meta allows {MAX_FOOTER}")
        if PLACEHOLDER.search(template.footer):
            found.append("the footer may not hold a placeholder")
    return found


def check_message_templates(
    lang: str,
    files: list[Located],
    default_language: str,
    default_files: list[Located],
    problems: list[Problem],
) -> None:
    """One language's templates; every language has the default language's kinds, under the same names."""
    seen: dict[str, MessageTemplate] = {}
    for located, index, template in _templates(files):
        line = located.line("templates", index)
        if template.kind in seen:
            problems.append(Problem(located.path, line, f"a second {template.kind} template in {lang}"))
            continue
        seen[template.kind] = template
        if template.language.split("_")[0] != lang:
            problems.append(
                Problem(
                    located.path,
                    located.line("templates", index, "language"),
                    f"template {template.name!r}: language {template.language!r} is not {lang}",
                )
            )
        for issue in _body_problems(template):
            problems.append(
                Problem(located.path, located.line("templates", index, "body"), f"{template.name}: {issue}")
            )
    default = {template.kind: template for _, _, template in _templates(default_files)}
    if not default:
        return
    where = files[0].path if files else (default_files[0].path.parents[1] / lang / "whatsapp-templates.yaml")
    for kind in TEMPLATE_KINDS:
        if kind in default and kind not in seen:
            problems.append(
                Problem(
                    where, 1, f"missing the {kind} template ({default_language} has {default[kind].name!r})"
                )
            )
        elif kind in default and seen[kind].name != default[kind].name:
            problems.append(
                Problem(
                    where,
                    1,
                    f"the {kind} template is {seen[kind].name!r} here but {default[kind].name!r} in "
                    f"{default_language}: Meta keeps a template's languages under one name",
                )
            )
