"""Traces, votes, live updates, inert scripts and signed variations, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_helpers import add_trace, screenshot, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_add_vote_and_withdraw_a_vote(new_page: Any) -> None:
    author = new_page("a1b2c3d4")
    sign_up(author, "explainer-a")
    mine = add_trace(author, "Every blue cell becomes **red**; black stays black.")
    assert mine.locator(".vote.up").is_disabled()  # no votes on one's own trace (issue 12)
    page = new_page("a1b2c3d4")
    assert page.is_visible("#trace-login-hint") and not page.is_visible("#trace-form")
    sign_up(page, "voter")
    trace = page.locator("#trace-list .trace").filter(has_text="Every blue cell")
    assert trace.locator(".trace-body strong").text_content() == "red"
    trace.locator(".vote.up").click()
    page.wait_for_function("() => document.querySelector('#trace-list .trace .score').textContent === '1'")
    trace = page.locator("#trace-list .trace").first
    assert trace.locator(".vote.up").get_attribute("aria-pressed") == "true"
    trace.locator(".vote.down").click()  # change the vote
    page.wait_for_function("() => document.querySelector('#trace-list .trace .score').textContent === '-1'")
    page.locator("#trace-list .trace .vote.down").click()  # the same button again withdraws it
    page.wait_for_function("() => document.querySelector('#trace-list .trace .score').textContent === '0'")
    assert page.locator("#trace-list .trace .vote.down").get_attribute("aria-pressed") == "false"
    screenshot(page, "trace-voted")


def test_a_second_browser_sees_a_new_trace_without_reloading(new_page: Any) -> None:
    watcher = new_page("c0ffee99")
    watcher.evaluate("window.__sameDocument = 'yes'")
    writer = new_page("c0ffee99")
    sign_up(writer, "live-writer")
    add_trace(writer, "Fill the whole grid with green.")
    watcher.locator("#trace-list .trace", has_text="Fill the whole grid with green.").wait_for(timeout=8000)
    assert watcher.evaluate("window.__sameDocument") == "yes"
    assert watcher.text_content("#trace-count") == "(1)"
    screenshot(watcher, "live-update")


def test_a_trace_holding_a_script_stays_inert(new_page: Any) -> None:
    page = new_page("b7e5f012")
    sign_up(page, "mallory")
    text = (
        "Harmless first line\n\n<script>window.__pwned = 'script'</script>\n\n"
        "<img src=x onerror=\"window.__pwned = 'img'\">\n\n[link](javascript:window.__pwned='link')"
    )
    trace = add_trace(page, text)
    body = trace.locator(".trace-body")
    assert body.locator("script, img, iframe").count() == 0
    assert "<script>window.__pwned = 'script'</script>" in body.text_content()
    assert body.locator("a").count() == 0
    reader = new_page("b7e5f012")  # a fresh page renders the stored trace too
    reader.locator("#trace-list .trace", has_text="Harmless first line").wait_for()
    reader.locator("#trace-list .trace .view-toggle").first.click()
    assert "<script>" in reader.locator("#trace-list .trace pre.plain").first.text_content()
    for viewer in (page, reader):
        assert viewer.evaluate("typeof window.__pwned") == "undefined"
    screenshot(reader, "script-inert")


def test_sign_a_rotation_and_find_it_as_a_new_version(new_page: Any) -> None:
    page = new_page("b7e5f012")
    sign_up(page, "signer")
    page.click("#tab-variations")
    page.select_option("#transform-select", "rot90")
    page.click("#variation-form button[type=submit]")
    page.wait_for_selector("#variation-preview .grid")
    assert "New content" in page.text_content("#variation-preview")
    screenshot(page, "variation-preview")
    page.click("#sign-variation")
    page.wait_for_function("() => document.querySelector('#version-select').value === '1'")
    assert "version=1" in page.url
    assert "rot90" in page.text_content("#version-select option[value='1']")
    assert "derived from v0 by rot90" in page.text_content("#version-info")
    assert "signer" in page.text_content("#version-info")
    grid = page.locator("#input-host .grid")
    assert (grid.get_attribute("data-height"), grid.get_attribute("data-width")) == ("2", "3")
    screenshot(page, "variation-signed")
    # another person finds the version and solves it
    other = new_page("b7e5f012", query="&version=1")
    assert other.input_value("#version-select") == "1"
    other.select_option("#version-select", "0")
    other.wait_for_function("() => document.querySelector('#input-host .grid').dataset.height === '3'")


def test_a_moderator_retires_a_version_from_the_page(new_page: Any, server: Any) -> None:
    from arcforge.store import open_store

    author = new_page("a1b2c3d4")
    sign_up(author, "variant-author")
    author.click("#tab-variations")
    author.select_option("#transform-select", "flip_lr")
    author.click("#variation-form button[type=submit]")
    author.wait_for_selector("#variation-preview .grid")
    author.click("#sign-variation")
    author.wait_for_function("() => document.querySelector('#version-select').value !== '0'")
    version = author.input_value("#version-select")
    assert not author.is_visible("#retire-version")  # contributors do not get the button

    store = open_store(server.db_url)
    try:
        store.create_user("page-mod", "browser password", role="moderator")
    finally:
        store.close()
    page = new_page("a1b2c3d4", query=f"&version={version}")
    page.click("#login")
    page.fill("#auth-name", "page-mod")
    page.fill("#auth-password", "browser password")
    screenshot(page, "login-dialog")
    page.click("#auth-submit")
    page.wait_for_selector("#who")
    assert page.is_visible(".account a.export")
    page.click("#tab-variations")
    page.click("#retire-version")
    page.wait_for_selector("#version-info.retired")
    assert "retired" in page.text_content(f"#version-select option[value='{version}']")
    assert page.text_content("#retire-version") == "Restore this version"
    screenshot(page, "version-retired")
