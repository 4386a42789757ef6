"""Read-only pages: the content per language (searchable, with the content check's report), the audit
log, and the content coverage CSV."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.content.checks import cross_check
from bot.content.checks.completeness import completeness
from bot.content.library import ContentLibrary
from bot.content.reading import DEFAULT_CONTENT_DIR, read_content
from bot.core.folding import fold
from bot.web.context import BASE_PATH, DashboardContext
from bot.web.overview import csv_response

AUDIT_PAGE = 50
MAX_QUERY = 200


def _context(request: Request) -> DashboardContext:
    context: DashboardContext = request.app.state.dashboard
    return context


def content_report(root: Path, default_language: str) -> dict[str, Any]:
    """What ``safetybot content check`` reports: every problem, and how complete each language is."""
    result = read_content(root)
    if result.catalog is not None:
        cross_check(result, default_language)
    problems = [{"file": p.file.name, "line": p.line, "message": p.message} for p in sorted(result.problems)]
    shares = completeness(result, default_language) if result.catalog is not None else {}
    percent = {
        lang: round(100 * sum(r.share for r in needs) / len(needs)) if needs else 100
        for lang, needs in shares.items()
    }
    return {"problems": problems, "completeness": percent}


def _matches(query: str, *texts: str | None) -> bool:
    return not query or any(query in fold(text) for text in texts if text)


def coverage(content: ContentLibrary) -> list[dict[str, Any]]:
    return [
        {
            "language": lang,
            "topics": len(content.lang(lang).faq),
            "tips": len(content.lang(lang).tips),
            "challenges": len(content.lang(lang).challenges),
        }
        for lang in content.shipped
    ]


async def _report(context: DashboardContext) -> dict[str, Any]:
    if context.content_report is None:
        root = context.content_dir or DEFAULT_CONTENT_DIR
        context.content_report = await asyncio.to_thread(
            content_report, root, context.content.default_language
        )
    return context.content_report


async def content_page(request: Request) -> Response:
    context = _context(request)
    visitor = context.viewer_of(request)
    content = context.content
    lang = request.query_params.get("lang", content.default_language)
    lang = lang if lang in content.shipped else content.default_language
    query = request.query_params.get("q", "").strip()[:MAX_QUERY]
    folded = fold(query)
    language = content.lang(lang)
    topics = [
        {"id": e.id, "category": e.category, "label": e.label, "question": e.question}
        for e in language.faq
        if _matches(folded, e.id, e.label, e.question, e.answer)
    ]
    tips = [
        {"id": t.id, "category": t.category, "text": t.text}
        for t in language.tips
        if _matches(folded, t.id, t.category, t.text)
    ]
    challenges = []
    for item in language.challenges:
        technique = content.technique(lang, item.technique) if item.technique else None
        if _matches(folded, item.id, item.item, item.explanation):
            name = technique.name if technique is not None else None
            challenges.append({"id": item.id, "verdict": item.verdict, "technique": name, "text": item.item})
    return context.html(
        "content.html",
        **visitor.page("content"),
        query=query,
        language=lang,
        languages=content.shipped,
        coverage=coverage(content),
        topics=topics,
        tips=tips,
        challenges=challenges,
        check=await _report(context),
    )


async def coverage_csv(request: Request) -> Response:
    context = _context(request)
    visitor = context.viewer_of(request)
    report = await _report(context)
    await context.record(visitor, "csv_downloaded", "content.csv")
    rows = [
        [
            row["language"],
            row["topics"],
            row["tips"],
            row["challenges"],
            report["completeness"].get(row["language"], 0),
        ]
        for row in coverage(context.content)
    ]
    return csv_response(
        "safetybot-content.csv", ["language", "topics", "tips", "challenges", "complete_percent"], rows
    )


async def audit_page(request: Request) -> Response:
    context = _context(request)
    visitor = context.viewer_of(request)
    before = request.query_params.get("before")
    before_id = int(before) if before and before.isdigit() else None
    entries = await context.audit.recent(AUDIT_PAGE, before_id)
    older = f"{BASE_PATH}/audit?before={entries[-1].id}" if len(entries) == AUDIT_PAGE else None
    return context.html("audit.html", **visitor.page("audit"), entries=entries, older_url=older)


def routes() -> list[BaseRoute]:
    return [
        Route("/content", content_page),
        Route("/content.csv", coverage_csv),
        Route("/audit", audit_page),
    ]
