"""GoTrue's emails: one-time tokens, action links on the public URL, redirect rules, sending.

Links are `{public_url}/auth/v1/verify?token=<hashed token>&type=<type>&redirect_to=<url>`,
where the redirect is the caller's `redirect_to` when GoTrue would allow it (same site as
SITE_URL, a loopback address, or on the project's redirect URL allow-list) and SITE_URL
otherwise. Mails go to the project's
Resend-compatible sink (the stand-in's SMTP), so the suite reads them back like any other.
"""

from __future__ import annotations

import html
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

import httpx
from starlette.requests import Request

from ..settings import StackSettings
from .auth_config import on_allow_list
from .auth_errors import AuthApiError

log = logging.getLogger("reference.stack.gateway.auth")

OTP_LENGTH = 6  # GOTRUE_MAILER_OTP_LENGTH default
OTP_EXPIRY_SECONDS = 86400  # GOTRUE_MAILER_OTP_EXP default
DEFAULT_SENDER = "Supabase Auth <noreply@mail.app.supabase.io>"

_SUBJECTS = {
    "signup": "Confirm Your Signup",
    "invite": "You have been invited",
    "magiclink": "Your Magic Link",
    "recovery": "Reset Your Password",
    "email_change": "Confirm Email Change",
}
_LEADS = {
    "signup": "Follow this link to confirm your user:",
    "invite": "You have been invited to create a user on {site}. Follow this link to accept:",
    "magiclink": "Follow this link to login:",
    "recovery": "Follow this link to reset the password for your user:",
    "email_change": "Follow this link to confirm the update of your email:",
}
_BUTTONS = {
    "signup": "Confirm your mail",
    "invite": "Accept the invite",
    "magiclink": "Log In",
    "recovery": "Reset Password",
    "email_change": "Change Email",
}


def new_otp() -> str:
    """A fresh numeric one-time code."""
    return "".join(secrets.choice("0123456789") for _ in range(OTP_LENGTH))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_allowed(settings: StackSettings, url: str | None) -> bool:
    """GoTrue's IsRedirectURLValid: the site's own origin, a loopback address, or an entry of
    the project's redirect URL allow-list."""
    if not url:
        return False
    if on_allow_list(settings, url):
        return True
    try:
        site, target = urlsplit(settings.site_url), urlsplit(url)
        site_port, target_port = site.port, target.port
    except ValueError:
        return False
    if (
        site.hostname == target.hostname
        and site.scheme == target.scheme
        and (site_port == target_port or _is_loopback(target.hostname or ""))
    ):
        return True
    return target.scheme in ("http", "https") and _is_loopback(target.hostname or "")


def referrer(settings: StackSettings, request: Request, requested: str | None = None) -> str:
    """GoTrue's GetReferrer: an allowed `redirect_to`, else an allowed Referer, else SITE_URL."""
    asked = requested or request.query_params.get("redirect_to")
    if redirect_allowed(settings, asked):
        return str(asked)
    referer = request.headers.get("referer")
    if redirect_allowed(settings, referer):
        return str(referer)
    return settings.site_url


def _encode_redirect(url: str) -> str:
    # GoTrue escapes the redirect only when it carries &, = or #; otherwise it goes in as is.
    return quote_plus(url) if any(ch in url for ch in "&=#") else url


def action_link(settings: StackSettings, hashed: str, link_type: str, redirect_to: str) -> str:
    """The verify link an email carries, on the project's public URL."""
    return (
        f"{settings.public_url.rstrip('/')}/auth/v1/verify"
        f"?token={quote(hashed, safe='')}&type={quote(link_type, safe='')}"
        f"&redirect_to={_encode_redirect(redirect_to)}"
    )


@dataclass(frozen=True)
class AuthEmail:
    """One of GoTrue's emails: which kind, to whom, its link and its code."""

    kind: str
    to: str
    link: str
    otp: str

    def render(self, site_url: str) -> tuple[str, str, str]:
        """Subject, HTML and text of the email."""
        lead = _LEADS[self.kind].format(site=site_url)
        button = _BUTTONS[self.kind]
        body_html = (
            f"<h2>{html.escape(_SUBJECTS[self.kind])}</h2>\n<p>{html.escape(lead)}</p>\n"
            f'<p><a href="{html.escape(self.link)}">{html.escape(button)}</a></p>\n'
            f"<p>Alternatively, enter the code: {self.otp}</p>\n"
        )
        body_text = f"{lead}\n{self.link}\n\nAlternatively, enter the code: {self.otp}\n"
        return _SUBJECTS[self.kind], body_html, body_text


async def send(settings: StackSettings, email: AuthEmail) -> None:
    """Deliver the email through the project's Resend-compatible sink, if one is configured."""
    if not settings.resend_api_key:
        log.info("auth: no mail sink configured; %s email to a user not sent", email.kind)
        return
    subject, body_html, body_text = email.render(settings.site_url)
    sender = settings.current_function_secrets().get("EMAIL_FROM") or DEFAULT_SENDER
    payload = {
        "from": sender,
        "to": [email.to],
        "subject": subject,
        "html": body_html,
        "text": body_text,
        "tags": [{"name": "source", "value": "gotrue"}, {"name": "type", "value": email.kind}],
    }
    url = settings.public_url.rstrip("/") + "/sinks/resend/emails"
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                url, json=payload, headers={"Authorization": f"Bearer {settings.resend_api_key}"}
            )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        log.warning("auth: sending the %s email failed: %s", email.kind, type(exc).__name__)
        raise AuthApiError(500, "unexpected_failure", f"Error sending {email.kind} email") from exc
