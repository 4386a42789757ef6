"""bot.services.campaigns.models: a campaign file's validation (schedule, window, messages, audience)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.services.campaigns.models import (
    PLATFORMS,
    SUBSCRIBER_ZONE,
    Audience,
    CampaignFile,
    DailyWindow,
    Message,
    Schedule,
)
from bot.storage.campaigns import Recipients

VALID = {
    "name": "Safer Internet Day week",
    "schedule": {"daily": {"time": "09:00", "from": "2027-02-06", "to": "2027-02-12"}},
    "messages": [{"tip": "sid-internet-not-private"}],
}


def with_(**changes) -> dict:
    return {**VALID, **changes}


def test_a_minimal_campaign_gets_the_defaults():
    campaign = CampaignFile.model_validate(VALID)
    assert campaign.schedule.timezone == SUBSCRIBER_ZONE == "subscriber"
    assert campaign.fallback_language == "en"
    assert campaign.audience == Audience()
    assert campaign.schedule.daily == DailyWindow.model_validate(
        {"time": "09:00", "from": "2027-02-06", "to": "2027-02-12"}
    )
    assert campaign.schedule.daily.first_day == date(2027, 2, 6)
    assert campaign.schedule.daily.last_day == date(2027, 2, 12)


def test_the_platforms_a_campaign_may_name():
    assert PLATFORMS == ("telegram", "discord", "console")


def test_unknown_fields_are_reported():
    with pytest.raises(ValidationError, match="extra"):
        CampaignFile.model_validate(with_(colour="blue"))
    with pytest.raises(ValidationError):
        DailyWindow.model_validate({"time": "09:00", "from": "2027-02-06", "to": "2027-02-12", "every": 2})


def test_a_campaign_is_immutable():
    campaign = CampaignFile.model_validate(VALID)
    with pytest.raises(ValidationError):
        campaign.name = "Other"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["", "   "])
def test_a_campaign_needs_a_name(name):
    with pytest.raises(ValidationError):
        CampaignFile.model_validate(with_(name=name))


def test_a_campaign_needs_at_least_one_message():
    with pytest.raises(ValidationError):
        CampaignFile.model_validate(with_(messages=[]))


# DailyWindow ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("time", ["9:00", "09:00", "00:00", "23:59", "0:05"])
def test_daily_times_that_are_accepted(time):
    assert DailyWindow.model_validate({"time": time, "from": "2027-02-06", "to": "2027-02-06"}).time == time


@pytest.mark.parametrize("time", ["24:00", "9:60", "9:5", "09:00:00", "9h00", "09.00", "", "nine"])
def test_daily_times_that_are_refused(time):
    with pytest.raises(ValidationError):
        DailyWindow.model_validate({"time": time, "from": "2027-02-06", "to": "2027-02-06"})


def test_a_window_may_be_a_single_day():
    window = DailyWindow.model_validate({"time": "09:00", "from": "2027-02-06", "to": "2027-02-06"})
    assert window.first_day == window.last_day


def test_a_window_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValidationError, match="'to' is before 'from'"):
        DailyWindow.model_validate({"time": "09:00", "from": "2027-02-06", "to": "2027-02-05"})


def test_a_window_lasts_at_most_a_year_and_a_day():
    first = date(2027, 1, 1)
    longest = DailyWindow.model_validate(
        {"time": "09:00", "from": first.isoformat(), "to": (first + timedelta(days=366)).isoformat()}
    )
    assert (longest.last_day - longest.first_day).days == 366
    with pytest.raises(ValidationError, match="a year at most"):
        DailyWindow.model_validate(
            {"time": "09:00", "from": first.isoformat(), "to": (first + timedelta(days=367)).isoformat()}
        )


def test_window_days_use_the_from_and_to_names_in_the_file():
    with pytest.raises(ValidationError):
        DailyWindow.model_validate({"time": "09:00", "first_day": "2027-02-06", "last_day": "2027-02-06"})


# Schedule ---------------------------------------------------------------------------------------------


def test_a_schedule_is_a_moment_or_a_window():
    moment = Schedule.model_validate({"at": "2027-02-09T09:30", "timezone": "Europe/Madrid"})
    assert moment.at == datetime(2027, 2, 9, 9, 30)
    assert moment.daily is None


def test_a_schedule_with_both_or_neither_is_refused():
    window = {"time": "09:00", "from": "2027-02-06", "to": "2027-02-06"}
    with pytest.raises(ValidationError, match="not both or neither"):
        Schedule.model_validate({"at": "2027-02-09T09:30", "daily": window})
    with pytest.raises(ValidationError, match="not both or neither"):
        Schedule.model_validate({})


@pytest.mark.parametrize("at", ["2027-02-09T09:30:00+01:00", "2027-02-09T09:30:00Z"])
def test_a_moment_with_an_offset_is_refused(at):
    with pytest.raises(ValidationError, match="without an offset"):
        Schedule.model_validate({"at": at, "timezone": "Europe/Madrid"})


@pytest.mark.parametrize("timezone", ["", "   "])
def test_a_schedule_timezone_cannot_be_empty(timezone):
    with pytest.raises(ValidationError):
        Schedule.model_validate({"at": "2027-02-09T09:30", "timezone": timezone})


# Message ----------------------------------------------------------------------------------------------


def test_a_message_is_a_tip_or_a_text():
    assert Message.model_validate({"tip": "strong-passwords"}).tip == "strong-passwords"
    assert Message.model_validate({"text": {"en": "Hello", "es": "Hola"}}).text == {
        "en": "Hello",
        "es": "Hola",
    }


def test_a_message_with_both_or_neither_is_refused():
    with pytest.raises(ValidationError, match="either 'tip' or 'text'"):
        Message.model_validate({"tip": "strong-passwords", "text": {"en": "Hello"}})
    with pytest.raises(ValidationError, match="either 'tip' or 'text'"):
        Message.model_validate({})


@pytest.mark.parametrize("tip", ["Strong-Passwords", "strong_passwords", "-strong", "strong--passwords", ""])
def test_a_tip_id_is_a_slug(tip):
    with pytest.raises(ValidationError):
        Message.model_validate({"tip": tip})


def test_a_message_text_cannot_be_empty_in_any_language():
    with pytest.raises(ValidationError):
        Message.model_validate({"text": {"en": "Hello", "es": "  "}})


# Audience ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "chat", ["telegram:12345", "telegram:-100123", "discord:98765", "console:me@example.org"]
)
def test_chats_are_platform_and_chat_id(chat):
    assert Audience.model_validate({"chats": [chat]}).chats == [chat]


@pytest.mark.parametrize("chat", ["12345", "Telegram:1", "telegram:", "telegram:a b", "telegram:1:2", ":1"])
def test_malformed_chats_are_refused(chat):
    with pytest.raises(ValidationError):
        Audience.model_validate({"chats": [chat]})


def test_audience_categories_are_slugs():
    with pytest.raises(ValidationError):
        Audience.model_validate({"categories": ["Not A Slug"]})


def test_an_audience_becomes_the_stores_recipients_field_by_field():
    audience = Audience.model_validate(
        {
            "platforms": ["telegram"],
            "languages": ["es", "ar"],
            "categories": ["passwords"],
            "chats": ["telegram:1", "discord:2"],
        }
    )
    assert audience.recipients() == Recipients(
        chats=["telegram:1", "discord:2"],
        platforms=["telegram"],
        languages=["es", "ar"],
        categories=["passwords"],
    )
    assert Audience().recipients() == Recipients([], [], [], [])
