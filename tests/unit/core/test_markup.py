"""bot.core.markup: parsing the markup subset, rendering (with right-to-left marks), plain text, splitting."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.bidi import LRI, PDI, RLM
from bot.core.markup import (
    Line,
    LineKind,
    Span,
    SpanKind,
    parse,
    parse_inline,
    plain_text,
    render,
    split_paragraphs,
)


def tagged(part: Span) -> str:
    """A renderer that shows each span's kind, so tests see what the parser found."""
    if part.kind is SpanKind.LINK:
        return f"<a {part.url}>{part.text}</a>"
    if part.kind is SpanKind.TEXT:
        return part.text
    return f"<{part.kind.value}>{part.text}</{part.kind.value}>"


# parse_inline -----------------------------------------------------------------------------------------


def test_bold_italic_and_links_become_spans_between_text():
    assert parse_inline("**Stop** and _think_: see [the guide](https://example.org/a?b=1).") == (
        Span(SpanKind.BOLD, "Stop"),
        Span(SpanKind.TEXT, " and "),
        Span(SpanKind.ITALIC, "think"),
        Span(SpanKind.TEXT, ": see "),
        Span(SpanKind.LINK, "the guide", "https://example.org/a?b=1"),
        Span(SpanKind.TEXT, "."),
    )


def test_empty_text_has_no_spans():
    assert parse_inline("") == ()


@pytest.mark.parametrize(
    "text",
    [
        "file_name_here",  # snake_case is not italic
        "2 * 3 * 4",
        "**not closed",
        "[x](javascript:alert(1))",  # only http(s) links
        "[x](ftp://example.org)",
        "[x](mailto:a@b.c)",
        "[x](https://has space.org)",
        "[](https://example.org)",
        "[x] (https://example.org)",
    ],
)
def test_anything_that_is_not_the_subset_stays_literal_text(text):
    assert parse_inline(text) == (Span(SpanKind.TEXT, text),)


def test_a_link_text_may_hold_markup_characters_literally():
    assert parse_inline("[**a** _b_](http://x.y)") == (Span(SpanKind.LINK, "**a** _b_", "http://x.y"),)


def test_italic_next_to_punctuation():
    assert parse_inline("(_really_)") == (
        Span(SpanKind.TEXT, "("),
        Span(SpanKind.ITALIC, "really"),
        Span(SpanKind.TEXT, ")"),
    )


def test_markup_in_arabic_text():
    assert parse_inline("**تنبيه** لا تشارك _كلمة السر_") == (
        Span(SpanKind.BOLD, "تنبيه"),
        Span(SpanKind.TEXT, " لا تشارك "),
        Span(SpanKind.ITALIC, "كلمة السر"),
    )


@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from("ab *_[]()h:/.\u0627"), max_size=40))
def test_spans_never_lose_plain_characters(text):
    """Every character is either in a span or one of the markup characters that delimited it."""
    spans = parse_inline(text)
    rebuilt = ""
    for part in spans:
        if part.kind is SpanKind.BOLD:
            rebuilt += f"**{part.text}**"
        elif part.kind is SpanKind.ITALIC:
            rebuilt += f"_{part.text}_"
        elif part.kind is SpanKind.LINK:
            rebuilt += f"[{part.text}]({part.url})"
        else:
            rebuilt += part.text
    assert rebuilt == text
    assert all(part.text for part in spans)
    assert not any(a.kind is SpanKind.TEXT and b.kind is SpanKind.TEXT for a, b in itertools.pairwise(spans))


# parse ------------------------------------------------------------------------------------------------


def test_lines_are_text_bullets_numbered_and_blank():
    lines = parse("Intro\n\n- one\n* two\n• three\n1. first\n12) twelfth\n  3. indented")
    assert [(line.kind, line.marker) for line in lines] == [
        (LineKind.TEXT, ""),
        (LineKind.BLANK, ""),
        (LineKind.BULLET, ""),
        (LineKind.BULLET, ""),
        (LineKind.BULLET, ""),
        (LineKind.NUMBERED, "1"),
        (LineKind.NUMBERED, "12"),
        (LineKind.NUMBERED, "3"),
    ]
    assert lines[2].spans == (Span(SpanKind.TEXT, "one"),)


@pytest.mark.parametrize(
    "text",
    [
        "-no space",
        "**bold** first",
        "2026. was a year",  # four digits is a year, not a list number
        "1.5 million",
        "3.",
    ],
)
def test_lines_that_only_look_like_list_items_are_text(text):
    assert parse(text)[0].kind is LineKind.TEXT


def test_a_list_number_has_at_most_three_digits():
    assert parse("100. x")[0] == Line(LineKind.NUMBERED, (Span(SpanKind.TEXT, "x"),), "100")


def test_outer_newlines_are_dropped_inner_blank_lines_kept():
    lines = parse("\n\nA\n\n\nB\n\n")
    assert [line.kind for line in lines] == [LineKind.TEXT, LineKind.BLANK, LineKind.BLANK, LineKind.TEXT]


def test_empty_and_whitespace_lines_are_blank():
    assert parse("") == [Line(LineKind.BLANK, ())]
    assert parse("   \t ") == [Line(LineKind.BLANK, ())]


def test_trailing_spaces_of_a_text_line_are_dropped():
    assert parse("Hello   ")[0].spans == (Span(SpanKind.TEXT, "Hello"),)


def test_spans_inside_list_items():
    assert parse("- **Update** now")[0].spans == (Span(SpanKind.BOLD, "Update"), Span(SpanKind.TEXT, " now"))


# render / plain_text ----------------------------------------------------------------------------------


def test_render_passes_every_span_through_the_adapter_and_writes_list_markers():
    text = "**Hi** _there_\n\n- [guide](https://e.org)\n7) last"
    assert render(text, tagged) == (
        "<bold>Hi</bold> <italic>there</italic>\n\n• <a https://e.org>guide</a>\n7. last"
    )


def test_render_of_empty_text_is_empty():
    assert render("", tagged) == ""


def test_left_to_right_text_gets_no_directional_marks():
    rendered = render("Call 988 or visit [Find A Helpline](https://findahelpline.com)\n- WhatsApp", tagged)
    assert not {RLM, LRI, PDI} & set(rendered)


def test_right_to_left_text_gets_a_mark_on_every_line_and_isolated_latin_runs():
    rendered = render("مرحبا بكم في WhatsApp اليوم\n\n- اتصل بـ 988\n1. رقم واحد", lambda part: part.text)
    assert rendered == (
        f"{RLM}مرحبا بكم في {LRI}WhatsApp{PDI} اليوم\n\n{RLM}• اتصل بـ {LRI}988{PDI}\n{RLM}1. رقم واحد"
    )


def test_link_addresses_are_never_touched_in_right_to_left_text():
    seen: list[Span] = []

    def record(part: Span) -> str:
        seen.append(part)
        return part.text

    render("اتصل بنا عبر [Find A Helpline](https://findahelpline.com) الآن", record)
    link = next(part for part in seen if part.kind is SpanKind.LINK)
    assert link.url == "https://findahelpline.com"
    assert link.text == f"{LRI}Find A Helpline{PDI}"


def test_plain_text_drops_markup_and_keeps_link_addresses():
    assert plain_text("**a** _b_ [c](https://d.e)\n\n- f\n2. g") == "a b c (https://d.e)\n\n• f\n2. g"


def test_plain_text_isolates_the_address_in_right_to_left_text():
    assert plain_text("اتصل [هنا](https://findahelpline.com) الان") == (
        f"{RLM}اتصل هنا ({LRI}https://findahelpline.com{PDI}) الان"
    )


def test_a_mostly_english_text_with_an_arabic_word_stays_left_to_right():
    assert plain_text("The word for password is كلمة in Arabic, used by many people") == (
        "The word for password is كلمة in Arabic, used by many people"
    )


@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from("abc 123\n*_-.[]()"), max_size=60))
def test_rendering_latin_text_never_adds_directional_marks(text):
    rendered = plain_text(text)
    assert not {RLM, LRI, PDI} & set(rendered)
    assert rendered.count("\n") == len(parse(text)) - 1


# split_paragraphs -------------------------------------------------------------------------------------


def test_text_within_the_limit_is_one_chunk():
    assert split_paragraphs("a" * 10, 10) == ["a" * 10]
    assert split_paragraphs("", 10) == [""]


def test_paragraphs_are_packed_into_chunks_up_to_the_limit():
    text = "aaaa\n\nbbbb\n\ncccc"
    assert split_paragraphs(text, 10) == ["aaaa\n\nbbbb", "cccc"]
    assert split_paragraphs(text, 9) == ["aaaa", "bbbb", "cccc"]


def test_a_long_paragraph_is_split_at_line_ends_then_hard():
    assert split_paragraphs("abcdefghijk\nxy", 5) == ["abcde", "fghij", "k\n\nxy"]


def test_the_existing_suite_case_round_trips():
    text = "\n\n".join(f"Paragraph {i} " + "word " * 50 for i in range(30))
    chunks = split_paragraphs(text, 1000)
    assert all(len(chunk) <= 1000 for chunk in chunks)
    assert "\n\n".join(chunks) == text


@settings(deadline=None, max_examples=300)
@given(st.text(alphabet=st.sampled_from("ab\n "), max_size=200), st.integers(1, 40))
def test_chunks_fit_the_limit_and_keep_every_visible_character_in_order(text, limit):
    chunks = split_paragraphs(text, limit)
    assert all(len(chunk) <= limit for chunk in chunks)
    assert re.sub(r"\s", "", "".join(chunks)) == re.sub(r"\s", "", text)
    if len(text) > limit:
        assert all(chunks), "no empty message"
