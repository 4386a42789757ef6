"""Campaign pages: the list (live rows), a new campaign (form or file), its preview, scheduling, one
campaign's live progress, pause / resume / cancel, and the campaigns' CSV.

Scheduling posts back the checked campaign file signed by the server (``draft``), which is checked again
before it is stored: the page cannot smuggle in a campaign the preview did not show.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from itsdangerous import BadData, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.services.campaigns.models import CampaignFile
from bot.services.campaigns.plan import run_start, runs, snapshot_texts
from bot.services.campaigns.service import CampaignError
from bot.storage.campaigns import StoredCampaign
from bot.storage.consent_figures import CampaignOptOuts, ConsentFigures
from bot.storage.dashboard import audience_by_language
from bot.web import campaign_form
from bot.web.context import BASE_PATH, DashboardContext, Visitor, notice_of
from bot.web.overview import csv_response

DRAFT_SALT = "safetybot.dashboard.draft"
UNPACED_PER_SECOND = 30.0
"""For the plan's estimate on a platform with no overall pace (as the command line estimates)."""
QUEUED = ("pending", "sending", "retrying", "held")
FINISHED = ("sent", "failed", "blocked", "cancelled", "skipped")
ACTIONS = {"pause": "paused", "resume": "resumed", "cancel": "cancelled"}


@cache
def common_zones() -> list[str]:
    """IANA zones of the form Area/City, sorted (what the form offers)."""
    areas = ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
    return [*sorted(name for name in available_timezones() if name.startswith(areas)), "UTC"]


def _context(request: Request) -> DashboardContext:
    context: DashboardContext = request.app.state.dashboard
    return context


def _drafts(context: DashboardContext) -> URLSafeSerializer:
    return URLSafeSerializer(context.access.secret, salt=DRAFT_SALT)


def _progress(counts: dict[str, int], opt_outs: int) -> dict[str, Any]:
    return {
        "counts": {
            "queued": sum(counts.get(key, 0) for key in QUEUED),
            "sent": counts.get("sent", 0),
            "failed": counts.get("failed", 0),
            "opted_out": counts.get("blocked", 0) + opt_outs,
        },
        "done": sum(counts.get(key, 0) for key in FINISHED),
        "total": sum(counts.values()),
    }


def _summary(stored: StoredCampaign, counts: dict[str, int], opt_outs: int = 0) -> dict[str, Any]:
    """A campaign for the templates; ``opt_outs``: chats that stopped campaigns because of this one."""
    progress = _progress(counts, opt_outs)
    return {
        "id": stored.id,
        "name": stored.name,
        "state": stored.status.value,
        "schedule": stored.spec.get("file", {}).get("schedule", {}),
        "next_run_at": stored.next_run_at,
        "created_at": stored.created_at,
        "done": progress["done"],
        "total": progress["total"],
        "counts": progress["counts"],
    }


def _opt_outs(figures: dict[str, CampaignOptOuts], campaign_id: str) -> int:
    found = figures.get(campaign_id)
    return found.total if found is not None else 0


async def _all(context: DashboardContext) -> list[dict[str, Any]]:
    stored = await context.campaigns.store.all()
    opt_outs = await ConsentFigures(context.db).opt_outs_per_campaign()
    summaries = [
        _summary(c, await context.campaigns.outbox.counts(c.drop_prefix), _opt_outs(opt_outs, c.id))
        for c in stored
    ]
    return list(reversed(summaries))


async def campaigns_page(request: Request) -> Response:
    context = _context(request)
    visitor = context.viewer_of(request)
    campaigns = await _all(context)
    return context.html(
        "campaigns.html", **visitor.page("campaigns", notice=notice_of(request)), campaigns=campaigns
    )


async def campaigns_rows(request: Request) -> Response:
    context = _context(request)
    visitor = context.viewer_of(request)
    return context.html("campaigns_rows.html", **visitor.page("campaigns"), campaigns=await _all(context))


async def campaigns_csv(request: Request) -> Response:
    context = _context(request)
    visitor = context.viewer_of(request)
    rows = [
        [c["id"], c["name"], c["state"], c["next_run_at"].isoformat() if c["next_run_at"] else ""]
        + [c["counts"][key] for key in ("queued", "sent", "failed")]
        + [c["counts"]["opted_out"] if c["counts"]["opted_out"] >= 5 else "< 5", c["done"], c["total"]]
        for c in await _all(context)
    ]
    await context.record(visitor, "csv_downloaded", "campaigns.csv")
    header = ["id", "name", "state", "next_run_at", "queued", "sent", "failed", "opted_out", "done", "total"]
    return csv_response("safetybot-campaigns.csv", header, rows)


def _new_page(context: DashboardContext, visitor: Visitor, status: int = 200, **given: Any) -> Response:
    content = context.content
    lang = content.default_language
    labels = content.lang(lang).ui.strings
    values = {
        "values": given.get("values", {}),
        "problems": given.get("problems", []),
        "errors": given.get("errors", {}),
        "platforms": list(context.platforms),
        "languages": content.shipped,
        "categories": [
            {"id": c, "label": labels.get(f"category.{c}", c)} for c in content.catalog.categories
        ],
        "tips": [{"id": tip.id, "label": tip.text[:60]} for tip in content.lang(lang).tips],
        "timezones": common_zones(),
    }
    return context.html("campaign_new.html", status, **visitor.page("campaigns"), **values)


async def new_page(request: Request) -> Response:
    context = _context(request)
    return _new_page(context, context.viewer_of(request))


async def preview(request: Request) -> Response:
    """Check the form or the uploaded file; show the problems, or the preview."""
    context = _context(request)
    visitor, form = await context.changer_of(request)
    upload = form.get("file")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        checked = await campaign_form.check_upload(upload, context.content)
        if isinstance(checked, str):
            message = context.renderer.t(f"dashboard.new.upload_problem.{checked}")
            return _new_page(context, visitor, 400, errors={"file": [message]})
        values: dict[str, Any] = {}
    else:
        values = campaign_form.form_values(form, context.content.shipped)
        checked = campaign_form.check_form(values, context.content)
    if not checked.ok or checked.campaign is None:
        return _new_page(
            context, visitor, 400, values=values, problems=checked.problems, errors=checked.errors
        )
    draft = _drafts(context).dumps({"y": checked.yaml_text, "f": checked.file_name})
    return context.html(
        "campaign_preview.html",
        **visitor.page("campaigns"),
        **await _preview_values(context, checked.campaign),
        draft=draft,
    )


async def _preview_values(context: DashboardContext, campaign: CampaignFile) -> dict[str, Any]:
    texts = snapshot_texts(campaign, context.content, context.texts)
    audience = await audience_by_language(context.campaigns.store, campaign.audience.recipients())
    total = sum(count for _, _, count in audience)
    seconds = 0.0
    for platform in {p for p, _, _ in audience}:
        count = sum(n for p, _, n in audience if p == platform)
        seconds = max(seconds, count / (context.send_rates.get(platform) or UNPACED_PER_SECOND))
    plan = runs(campaign)
    zone = campaign.schedule.timezone
    return {
        "campaign": {
            "name": campaign.name,
            "schedule": campaign.schedule,
            "fallback_language": campaign.fallback_language,
        },
        "messages": [{"number": i + 1, "texts": per_language} for i, per_language in enumerate(texts)],
        "audience": [{"platform": p, "language": lang, "count": n} for p, lang, n in audience],
        "audience_total": total,
        "plan": {
            "runs": [
                {
                    "number": run.index + 1,
                    "local": datetime.combine(run.day, run.wall),
                    "starts_at": run_start(run, zone),
                }
                for run in plan[:10]
            ],
            "run_count": len(plan),
            "messages_total": len(plan) * total,
            "run_duration": timedelta(seconds=round(seconds)),
        },
    }


async def schedule(request: Request) -> Response:
    """Store the previewed campaign (checked again) and show its progress page."""
    context = _context(request)
    visitor, form = await context.changer_of(request)
    draft = form.get("draft")
    try:
        data = _drafts(context).loads(draft if isinstance(draft, str) else "")
        yaml_text, file_name = str(data["y"]), str(data["f"])
    except (BadData, KeyError, TypeError):
        return context.message("stale_form", 400, visitor)
    checked = campaign_form.check_text(yaml_text, file_name, context.content)
    if not checked.ok or checked.campaign is None:
        return _new_page(context, visitor, 400, problems=checked.problems, errors=checked.errors)
    try:
        scheduled = await context.campaigns.schedule(
            checked.campaign, created_by=f"dashboard:{visitor.label}"
        )
    except CampaignError as error:
        problem = {"file": file_name, "line": 1, "message": str(error), "field": None}
        return _new_page(context, visitor, 400, problems=[problem])
    await context.record(visitor, "campaign_scheduled", checked.campaign.name)
    return RedirectResponse(
        f"{BASE_PATH}/campaigns/{scheduled.campaign_id}?notice=scheduled", status_code=303
    )


async def _stored(
    context: DashboardContext, request: Request
) -> tuple[StoredCampaign, dict[str, int]] | None:
    try:
        return await context.campaigns.status(str(request.path_params["campaign_id"])[:20])
    except CampaignError:
        return None


async def campaign_page(request: Request) -> Response:
    context = _context(request)
    visitor = context.viewer_of(request)
    found = await _stored(context, request)
    if found is None:
        return context.message("not_found", 404, visitor)
    opt_outs = await ConsentFigures(context.db).opt_outs_per_campaign()
    summary = _summary(*found, _opt_outs(opt_outs, found[0].id))
    return context.html(
        "campaign.html",
        **visitor.page("campaigns", notice=notice_of(request)),
        campaign=summary,
        counts=summary["counts"],
        done=summary["done"],
        total=summary["total"],
    )


async def campaign_csv(request: Request) -> Response:
    context = _context(request)
    visitor = context.viewer_of(request)
    found = await _stored(context, request)
    if found is None:
        return context.message("not_found", 404, visitor)
    stored, counts = found
    await context.record(visitor, "csv_downloaded", f"{stored.id}.csv")
    opt_outs = _opt_outs(await ConsentFigures(context.db).opt_outs_per_campaign(), stored.id)
    counts = {**counts, "opted_out": opt_outs}
    people = ("blocked", "opted_out")
    rows = [[key, n if key not in people or n >= 5 else "< 5"] for key, n in sorted(counts.items())]
    return csv_response(f"safetybot-campaign-{stored.id}.csv", ["outcome", "deliveries"], rows)


async def change(request: Request) -> Response:
    """Pause, resume or cancel a campaign (organizers)."""
    context = _context(request)
    visitor, _ = await context.changer_of(request)
    action = str(request.path_params["action"])
    found = await _stored(context, request)
    if action not in ACTIONS or found is None:
        return context.message("not_found", 404, visitor)
    stored = found[0]
    try:
        await getattr(context.campaigns, action)(stored.id)
    except CampaignError:
        return RedirectResponse(f"{BASE_PATH}/campaigns/{stored.id}", status_code=303)
    await context.record(visitor, f"campaign_{ACTIONS[action]}", stored.name)
    return RedirectResponse(f"{BASE_PATH}/campaigns/{stored.id}?notice={ACTIONS[action]}", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/campaigns", campaigns_page, methods=["GET"]),
        Route("/campaigns", schedule, methods=["POST"]),
        Route("/campaigns.csv", campaigns_csv),
        Route("/campaigns/rows", campaigns_rows),
        Route("/campaigns/new", new_page),
        Route("/campaigns/preview", preview, methods=["POST"]),
        Route("/campaigns/{campaign_id}.csv", campaign_csv),
        Route("/campaigns/{campaign_id}", campaign_page),
        Route("/campaigns/{campaign_id}/{action}", change, methods=["POST"]),
    ]
