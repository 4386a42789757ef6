"""bot.core.payloads: signed button payloads, the 64-byte limit, tampering, expiry and owner binding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.core.payloads import Payload, PayloadRejected, PayloadSigner
from bot.core.replies import MAX_PAYLOAD_BYTES

SECRET = b"0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # on a minute boundary
signer = PayloadSigner(SECRET)

# At most 8 + 3 * 9 bytes of command, 6 of expiry, 2 separators and an 8-byte tag: always under 64.
parts = st.from_regex(r"[A-Za-z0-9_.-]{0,8}", fullmatch=True)
owners = st.one_of(st.none(), st.from_regex(r"[a-z]{1,4}:-?[0-9]{1,12}", fullmatch=True))
ttls = st.one_of(st.none(), st.integers(1, 60 * 24 * 30).map(lambda minutes: timedelta(minutes=minutes)))
nows = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2045, 1, 1), timezones=st.just(UTC))
# (Up to 2045: from late 2049 the expiry's first base-36 digit is "p"; see the test of that below.)


# making -----------------------------------------------------------------------------------------------


def test_layout_is_command_expiry_and_tag():
    payload = signer.make("tip", "strong-passwords")
    command, expiry, tag = payload.split("~")
    assert command == "tip:strong-passwords"
    assert expiry == ""
    assert len(tag) == 8 and tag.isascii()


def test_expiry_is_minutes_since_the_epoch_in_base_36_and_p_marks_an_owner():
    payload = signer.make("forget", now=NOW, ttl=timedelta(minutes=10), owner="tg:1")
    expiry = payload.split("~")[1]
    assert expiry.startswith("p")
    assert int(expiry[1:], 36) * 60 == (NOW + timedelta(minutes=10)).timestamp()
    assert signer.make("keep", owner="tg:1").split("~")[1] == "p"


def test_signing_is_deterministic_and_depends_on_the_secret():
    other = PayloadSigner(b"another secret, also long enough")
    assert signer.make("tip", "a") == signer.make("tip", "a")
    assert other.make("tip", "a") != signer.make("tip", "a")
    with pytest.raises(PayloadRejected):
        other.read(signer.make("tip", "a"), now=NOW, presser="tg:1")


@pytest.mark.parametrize("secret", [b"", b"short", b"x" * 15])
def test_a_secret_shorter_than_16_bytes_is_refused(secret):
    with pytest.raises(ValueError, match="16 bytes"):
        PayloadSigner(secret)


def test_a_16_byte_secret_is_enough():
    sixteen = PayloadSigner(b"x" * 16)
    assert sixteen.read(sixteen.make("a"), now=NOW, presser="tg:1") == Payload("a", ())


@pytest.mark.parametrize("part", ["has space", "a:b", "a~b", "a|b", "ñ", "a/b", "a\nb"])
def test_parts_with_characters_buttons_cannot_carry_are_refused(part):
    with pytest.raises(ValueError, match="characters"):
        signer.make("tip", part)
    with pytest.raises(ValueError, match="characters"):
        signer.make(part)


def test_ttl_without_now_is_refused():
    with pytest.raises(ValueError, match="needs now"):
        signer.make("forget", ttl=timedelta(minutes=10))


def test_the_64_byte_limit_is_exact():
    # action:arg~~tag is len(action) + 1 + len(arg) + 2 + 8 bytes.
    at_limit = signer.make("t", "x" * (MAX_PAYLOAD_BYTES - 12))
    assert len(at_limit.encode()) == MAX_PAYLOAD_BYTES
    assert signer.read(at_limit, now=NOW, presser="tg:1").args == ("x" * (MAX_PAYLOAD_BYTES - 12),)
    with pytest.raises(ValueError, match="64 bytes"):
        signer.make("t", "x" * (MAX_PAYLOAD_BYTES - 11))


def test_a_payload_over_64_bytes_is_rejected_when_read():
    with pytest.raises(PayloadRejected, match="too long"):
        signer.read("t:" + "x" * 60 + "~~AAAAAAAA", now=NOW, presser="tg:1")


# reading ----------------------------------------------------------------------------------------------


@settings(deadline=None, max_examples=200)
@given(parts, st.lists(parts, max_size=3), owners, ttls, nows)
def test_every_payload_made_reads_back_to_its_action_and_args(action, args, owner, ttl, now):
    payload = signer.make(action, *args, now=now, ttl=ttl, owner=owner)
    assert len(payload.encode()) <= MAX_PAYLOAD_BYTES
    presser = owner if owner is not None else "anyone:1"
    assert signer.read(payload, now=now, presser=presser) == Payload(action, tuple(args))


@settings(deadline=None, max_examples=300)
@given(
    parts,
    st.lists(parts, max_size=2),
    owners,
    ttls,
    st.data(),
)
def test_any_change_to_a_payload_is_rejected(action, args, owner, ttl, data):
    payload = signer.make(action, *args, now=NOW, ttl=ttl, owner=owner)
    position = data.draw(st.integers(0, len(payload) - 1), label="position")
    replacement = data.draw(st.characters(codec="ascii"), label="replacement")
    assume(replacement != payload[position])
    tampered = payload[:position] + replacement + payload[position + 1 :]
    with pytest.raises(PayloadRejected):
        signer.read(tampered, now=NOW, presser=owner or "anyone:1")


@settings(deadline=None, max_examples=200)
@given(parts, owners, st.integers(1, 30), st.text(alphabet="~:p0a", min_size=1, max_size=4))
def test_cut_or_extended_payloads_are_rejected(action, owner, cut, extra):
    payload = signer.make(action, owner=owner)
    presser = owner or "anyone:1"
    with pytest.raises(PayloadRejected):
        signer.read(payload[: max(0, len(payload) - cut)], now=NOW, presser=presser)
    with pytest.raises(PayloadRejected):
        signer.read(payload + extra, now=NOW, presser=presser)
    with pytest.raises(PayloadRejected):
        signer.read(extra + payload, now=NOW, presser=presser)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "~",
        "~~",
        "tip",
        "tip~~",
        "tip~~AAAAAAAA",
        "tip~~AAAAAAAA~",
        "tip~zz~AAAAAAAA",
        "tip~~ÄÄÄÄÄÄÄÄ",
        "tip~~\U0001f600",
    ],
)
def test_forged_and_malformed_payloads_are_rejected(raw):
    with pytest.raises(PayloadRejected):
        signer.read(raw, now=NOW, presser="tg:1")


@settings(deadline=None, max_examples=300)
@given(st.text(max_size=80), st.text(max_size=20))
def test_arbitrary_text_is_rejected_never_crashing(raw, presser):
    with pytest.raises(PayloadRejected):
        signer.read(raw, now=NOW, presser=presser)


@pytest.mark.parametrize("raw", ["\ud800~~AAAAAAAA", "tip:\udcff~~AAAAAAAA", "tip~p\ud83d~AAAAAAAA"])
def test_lone_surrogates_are_rejected_not_crashing(raw):
    """Platforms hand over callback data decoded from JSON, where a lone surrogate is valid ("\\ud800");
    such a payload is malformed and must be rejected like any other, not raise UnicodeEncodeError."""
    with pytest.raises(PayloadRejected):
        signer.read(raw, now=NOW, presser="tg:1")


def test_a_forged_tag_with_a_valid_looking_expiry_is_rejected():
    real = signer.make("forget", now=NOW, ttl=timedelta(minutes=10))
    command, _, tag = real.split("~")
    later = int((NOW + timedelta(days=365)).timestamp()) // 60
    with pytest.raises(PayloadRejected, match="bad signature"):
        signer.read(f"{command}~{later:x}~{tag}", now=NOW, presser="tg:1")


# expiry -----------------------------------------------------------------------------------------------


def test_a_payload_is_valid_up_to_and_including_its_expiry_minute():
    payload = signer.make("forget", now=NOW, ttl=timedelta(minutes=10))
    assert signer.read(payload, now=NOW, presser="tg:1").action == "forget"
    assert signer.read(payload, now=NOW + timedelta(minutes=10), presser="tg:1").action == "forget"
    with pytest.raises(PayloadRejected, match="expired"):
        signer.read(payload, now=NOW + timedelta(minutes=10, microseconds=1), presser="tg:1")


def test_expiry_is_rounded_down_to_the_minute():
    made = NOW + timedelta(seconds=45)
    payload = signer.make("forget", now=made, ttl=timedelta(minutes=10))
    assert signer.read(payload, now=NOW + timedelta(minutes=10), presser="tg:1").action == "forget"
    with pytest.raises(PayloadRejected, match="expired"):
        signer.read(payload, now=made + timedelta(minutes=10), presser="tg:1")


@pytest.mark.parametrize(
    ("now", "ttl"),
    [
        pytest.param(datetime(2050, 1, 1, tzinfo=UTC), timedelta(minutes=10), id="made-in-2050"),
        pytest.param(NOW, timedelta(days=365 * 25), id="25-year-ttl-made-today"),
    ],
)
def test_an_expiry_whose_base_36_starts_with_p_is_not_mistaken_for_an_owner_mark(now, ttl):
    """ "p" is both the owner mark and the base-36 digit 25: from November 2049 to 2053 every unowned
    payload with a ttl is read as owned (and its expiry loses its first digit), so it is rejected."""
    payload = signer.make("forget", now=now, ttl=ttl)
    assert signer.read(payload, now=now, presser="tg:1") == Payload("forget", ())


def test_a_payload_without_ttl_never_expires():
    payload = signer.make("tip", "a")
    assert signer.read(payload, now=NOW + timedelta(days=365 * 30), presser="tg:1").args == ("a",)


@settings(deadline=None, max_examples=200)
@given(nows, st.integers(1, 60 * 24 * 30), st.integers(-120, 120))
def test_expiry_holds_exactly_at_the_minute_boundary(now, ttl_minutes, offset_seconds):
    payload = signer.make("x", now=now, ttl=timedelta(minutes=ttl_minutes))
    expires = datetime.fromtimestamp(int((now + timedelta(minutes=ttl_minutes)).timestamp()) // 60 * 60, UTC)
    pressed = expires + timedelta(seconds=offset_seconds)
    if offset_seconds <= 0:
        assert signer.read(payload, now=pressed, presser="tg:1").action == "x"
    else:
        with pytest.raises(PayloadRejected):
            signer.read(payload, now=pressed, presser="tg:1")


# owner binding ----------------------------------------------------------------------------------------


def test_an_owned_payload_works_only_for_its_owner():
    payload = signer.make("forget", now=NOW, ttl=timedelta(minutes=10), owner="tg:1")
    assert signer.read(payload, now=NOW, presser="tg:1") == Payload("forget", ())
    for someone_else in ("tg:2", "tg:11", "dc:1", "", "TG:1"):
        with pytest.raises(PayloadRejected):
            signer.read(payload, now=NOW, presser=someone_else)


def test_an_unowned_payload_works_for_anyone():
    payload = signer.make("tip", "a")
    assert signer.read(payload, now=NOW, presser="tg:1") == signer.read(payload, now=NOW, presser="dc:9")


def test_dropping_the_owner_mark_does_not_free_a_payload():
    payload = signer.make("forget", owner="tg:1")
    command, expiry, tag = payload.split("~")
    assert expiry == "p"
    with pytest.raises(PayloadRejected):
        signer.read(f"{command}~~{tag}", now=NOW, presser="tg:2")
    with pytest.raises(PayloadRejected):
        signer.read(f"{command}~~{tag}", now=NOW, presser="tg:1")


def test_adding_an_owner_mark_to_an_unowned_payload_is_rejected():
    command, _, tag = signer.make("tip", "a").split("~")
    with pytest.raises(PayloadRejected):
        signer.read(f"{command}~p~{tag}", now=NOW, presser="tg:1")


@settings(deadline=None, max_examples=200)
@given(owners.filter(lambda owner: owner is not None), owners.filter(lambda owner: owner is not None))
def test_an_owned_payload_is_refused_to_every_other_presser(owner, presser):
    assume(owner != presser)
    payload = signer.make("forget", owner=owner)
    with pytest.raises(PayloadRejected):
        signer.read(payload, now=NOW, presser=presser)
