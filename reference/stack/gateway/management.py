"""The Management API's reads the suite uses, for this one project.

    GET /v1/projects/{ref}/secrets   Authorization: Bearer <personal access token, sbp_…>
        -> [{"name": "RESEND_API_KEY", "value": "<sha256 hex of the value>"}, ...]
    GET /v1/projects/{ref}/config/auth
        -> {"site_url", "uri_allow_list": "a,b", "external_google_enabled", "smtp_host", ...,
            "mailer_subjects_magic_link", "mailer_templates_magic_link_content", "hook_…"}

As on api.supabase.com, the listing names every secret the edge functions get, the
platform's reserved SUPABASE_* ones included, and gives a digest of each value, never the
value; the auth config is the Auth service's whole configuration, a setting not made being
null. A missing or wrong token is 401; another project's ref is 404. The secrets are read as
`supabase secrets set` left them (`functions.env`, re-read when it changed), the auth config
as the dashboard saved it (`auth_settings.json`).
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..settings import StackSettings
from .auth_config import auth_settings

# Settings the auth config names even when the project never made them (null, or off).
_UNSET: dict[str, object] = {
    "smtp_host": None,
    "smtp_port": None,
    "smtp_user": None,
    "smtp_admin_email": None,
    "smtp_sender_name": None,
    "mailer_subjects_magic_link": None,
    "mailer_templates_magic_link_content": None,
    "hook_custom_access_token_enabled": False,
    "hook_custom_access_token_uri": None,
}


def digest(value: str) -> str:
    """What the listing shows of a secret's value: its SHA-256, in hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def auth_config(saved: dict[str, object]) -> dict[str, object]:
    """The saved auth settings as the Management API shows them: one flat object, each
    provider as `external_<name>_enabled`, the allow-list one comma-separated string."""
    config: dict[str, object] = {**_UNSET}
    config.update({k: v for k, v in saved.items() if k not in ("external", "uri_allow_list")})
    external = saved.get("external")
    if isinstance(external, dict):
        config.update({f"external_{p}_enabled": bool(on) for p, on in external.items()})
    allow = saved.get("uri_allow_list")
    config["uri_allow_list"] = ",".join(allow) if isinstance(allow, list) else ""
    return config


def routes(settings: StackSettings) -> list[BaseRoute]:
    """The secrets listing and the auth config, under /v1."""

    def refusal(request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        expected = settings.management_token or ""
        if scheme != "Bearer" or not expected or not hmac.compare_digest(token, expected):
            return JSONResponse({"message": "Unauthorized"}, 401)
        if request.path_params["ref"] != settings.ref:
            return JSONResponse({"message": "Project not found"}, 404)
        return None

    async def list_secrets(request: Request) -> Response:
        refused = refusal(request)
        if refused is not None:
            return refused
        secrets = settings.current_function_secrets()
        return JSONResponse(
            [{"name": name, "value": digest(value)} for name, value in sorted(secrets.items())]
        )

    async def get_auth_config(request: Request) -> Response:
        return refusal(request) or JSONResponse(auth_config(auth_settings(settings)))

    return [
        Route("/projects/{ref}/secrets", list_secrets, methods=["GET"]),
        Route("/projects/{ref}/config/auth", get_auth_config, methods=["GET"]),
    ]
