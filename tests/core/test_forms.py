"""The form helper (pms/core/forms.py) and the flash block of base.html."""
from flask import flash, render_template_string

from pms.core.errors import Conflict, Invalid
from pms.core.forms import FormSpec, html_attrs, state_from_error

SPEC = FormSpec("demo", {"amount": "Amount (yuan)", "photos": "Photos", "note": "Note"},
                aliases={"amount_fen": "amount"}, files=("photos",))


def test_fields_land_on_their_inputs_and_unknown_ones_never_show_their_name():
    err = Invalid("Some fields are invalid.", fields={
        "amount_fen": ["Too large."], "photos.2": ["Not an image."], "internal_code": ["Wrong."],
        "_schema": ["Choose a room or a place."]})
    state = state_from_error(SPEC, err, {"amount": "9"})
    assert state.errors == {"amount": ["Too large."], "photos": ["Not an image."]}
    assert state.general == ["Wrong.", "Choose a room or a place."]
    assert state.problems == [("demo-amount", "Amount (yuan)", "Too large."), ("demo-photos", "Photos", "Not an image.")]
    assert state.value("amount") == "9" and state.value("note", "default") == ""


def test_a_refusal_without_fields_is_one_general_message():
    state = state_from_error(SPEC, Conflict("Already reversed."), {}, instance="7")
    assert (state.errors, state.general, state.field_id("note")) == ({}, ["Already reversed."], "demo-7-note")


def test_an_empty_form_shows_its_defaults():
    from pms.core.forms import FormState

    state = FormState(SPEC)
    assert not state.active and not state.invalid and state.value("note", "x") == "x"


def test_html_attrs():
    assert str(html_attrs({"required": True, "multiple": False, "maxlength": 64, "placeholder": '"<x>',
                           "class_": "a", "input_mode": None})) == ' required maxlength="64" placeholder="&#34;&lt;x&gt;" class="a"'


def test_flash_categories_read_differently(app, world):
    with app.test_request_context("/?lang=en"):
        flash("Saved.", "success")
        flash("Check the plan.", "warning")
        flash("Could not send.", "error")
        html = render_template_string('{% extends "base.html" %}{% block content %}{% endblock %}')
    assert '<p class="flash success" role="status"><span class="flash-kind"><span aria-hidden="true">✓</span> Done</span> Saved.</p>' in html
    assert '<p class="flash warning" role="status"><span class="flash-kind"><span aria-hidden="true">!</span> Please note</span>' in html
    assert '<p class="flash error" role="alert"><span class="flash-kind"><span aria-hidden="true">✕</span> Not done</span>' in html


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_flash_and_form_colours_have_contrast_for_older_eyes():
    import re
    from pathlib import Path

    css = Path(__file__).resolve().parents[2].joinpath("static", "pms.css").read_text()
    section = css[css.index("/* forms:"):]
    pairs = re.findall(r"(\.flash\.\w+|\.form-summary) \{ background:(#[0-9a-f]{6}); color:(#[0-9a-f]{6})", section)
    assert len(pairs) == 4, pairs
    for selector, background, colour in pairs:
        assert contrast(background, colour) >= 4.5, selector
    assert contrast("#ffffff", re.search(r"\.field-error \{ color:(#[0-9a-f]{6})", section).group(1)) >= 4.5
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
