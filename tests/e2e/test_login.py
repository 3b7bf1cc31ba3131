"""Post-migration: "Login works", through the app's sign-in form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from postmigration.config import Accounts, Target
from postmigration.pages import HomePage, LoginPage, sign_in_origin_problem

pytestmark = [pytest.mark.postmigration, pytest.mark.e2e, pytest.mark.item("login")]

# An app may sign out globally (supabase-js's default), ending every session of the account, so
# this flow uses the account no concurrent check needs a live session of (the others call
# functions). The reference app signs out this device only.
ACCOUNT = "admin"


def test_sign_in_form_reload_and_sign_out(
    app_page: Callable[..., Any],
    screen: Callable[..., Any],
    accounts: Accounts,
    target: Target,
) -> None:
    """The form signs in, on the target's API (the app's POST /auth/v1/token goes to it and is
    answered 200: not to an old project the deployed app still names), and lands on home
    showing who is signed in; a reload keeps the session; signing out brings the form back."""
    account = accounts[ACCOUNT]
    page = app_page()
    login = screen(LoginPage, page)
    login.goto()
    answers = login.sign_in_answers(account.email, account.password)
    problem = sign_in_origin_problem(answers, target.supabase_url)
    if problem:
        pytest.fail(problem, pytrace=False)
    home = screen(HomePage, page)
    home.expect_ready()
    expect(page, "signing in did not land on the home page").to_have_url(home.url)
    home.reload()
    login.expect_signed_in(account.email)
    login.sign_out()
    login.expect_signed_out()
    home.goto()
    expect(
        login.button("sign_out_button"),
        "the session came back after signing out: home, opened anew, shows the account signed in",
    ).to_have_count(0)
