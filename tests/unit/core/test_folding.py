"""bot.core.folding: case, apostrophes, accents, Arabic letter variants and digits of other scripts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.folding import ascii_digits, fold


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("٠٨:٣٠", "08:30"),
        ("۰۸:۳۰", "08:30"),  # Persian
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("call ٩٨٨ now", "call 988 now"),
        ("09:30", "09:30"),
        ("", ""),
    ],
)
def test_ascii_digits(text, digits):
    assert ascii_digits(text) == digits


def test_ascii_digits_changes_nothing_but_digits():
    assert ascii_digits("Contraseña مرحبا ٫") == "Contraseña مرحبا ٫"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("", ""),
        ("Contraseña", "contrasena"),
        ("CONTRASEÑA", "contrasena"),
        ("Sécurité à l'école", "securite a lecole"),
        ("don't", "dont"),
        ("don’t", "dont"),
        ("DON`T", "dont"),
        ("‘quoted’", "quoted"),
        ("Ça va", "ca va"),
        ("İstanbul", "istanbul"),
        ("ﬁle", "file"),  # compatibility ligature
        ("Ｐａｓｓ１２", "pass12"),  # full-width letters and digits
        ("٠٨:٣٠", "08:30"),
        ("۰۸:۳۰", "08:30"),
    ],
)
def test_latin_text_and_digits(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("أمان", "امان"),  # hamza above alef
        ("إنترنت", "انترنت"),  # hamza below alef
        ("آمن", "امن"),  # madda
        ("ٱلله", "الله"),  # wasla
        ("مؤمن", "مومن"),  # hamza on waw
        ("سئل", "سيل"),  # hamza on yaa
        ("على", "علي"),  # alef maqsura
        ("كلمة", "كلمه"),  # taa marbuta
        ("مـــرحبا", "مرحبا"),  # tatweel
        ("مَرْحَبًا", "مرحبا"),  # harakat
        ("كلمةُ السِّرِّ", "كلمه السر"),
    ],
)
def test_arabic_letter_variants_fold_to_their_base_letters(text, folded):
    assert fold(text) == folded


def test_mixed_scripts_in_one_text():
    assert fold("Mot de passe = كلمة المرور ٢٠٢٦") == "mot de passe = كلمه المرور 2026"


def test_punctuation_other_than_apostrophes_is_kept():
    assert fold("Hi! Is it safe? (yes) - ok.") == "hi! is it safe? (yes) - ok."


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        pytest.param("𝐏𝐀𝐒𝐒𝐖𝐎𝐑𝐃", "password", id="math-bold"),  # pasted from a fancy-text generator
        pytest.param("𝓟𝓪𝓼𝓼𝔀𝓸𝓻𝓭", "password", id="math-script"),
        pytest.param("ℌello", "hello", id="fraktur-capital"),
        pytest.param("ﻋﻠﻰ", "علي", id="arabic-presentation-alef-maqsura"),  # as copied out of a PDF
        pytest.param("ﻛﻠﻤﺔ", "كلمه", id="arabic-presentation-taa-marbuta"),
    ],
)
def test_compatibility_forms_fold_like_the_letters_they_stand_for(text, folded):
    """Lower-casing, apostrophes and the Arabic letter table run before the NFKD step, so letters that
    only become "A" or "ى"/"ة" through NFKD escape them: the result is upper case or unfolded, and
    folding it again changes it (fold is not idempotent)."""
    assert fold(text) == folded
    assert fold(fold(text)) == fold(text)


@settings(deadline=None, max_examples=300)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(categories=["Ll", "Lo", "Mn", "Nd", "Pd", "Po", "Zs"], max_codepoint=0xFAFF),
            st.sampled_from("ABCXYZÀÉÑÇİ'’"),
        ),
        max_size=30,
    )
)
def test_fold_is_idempotent_on_ordinary_letters_digits_and_punctuation(text):
    once = fold(text)
    assert fold(once) == once


@settings(deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=40))
def test_ascii_text_is_only_lower_cased_without_apostrophes(text):
    assert fold(text) == text.lower().replace("'", "").replace("`", "")


@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from("aeiouAEIOUáéíóúÁÉÍÓÚñÑçÇüÜ'’ "), max_size=30))
def test_latin_letters_fold_to_ascii(text):
    assert fold(text).isascii()
    assert fold(text) == fold(text).lower()
