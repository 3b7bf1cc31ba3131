"""Edge functions: secrets set on new (`supabase secrets set`), functions redeployed, smoke test.

The stand-in serves `reference/supabase/functions/*` itself; deploying is setting new's
secrets in `new/functions.env` (and verify_jwt in `new/functions.toml`): as on Supabase, nothing
restarts, the next invocation runs on workers started with them. The
secrets are old's, with what belongs to the project replaced by new's: its URL and keys, its
database, its provider endpoints (each stand-in has its own sinks), and SITE_URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from reference.stack.settings import FUNCTIONS_DIR, format_env_file, read_env_file
from reference.stack.state import StateDir

from .errors import PlaybookError
from .faults import Fault

SMOKE_FUNCTION = "goal-notifications"


# The platform's key variables, by the `[targets.*]` setting that holds each key.
KEY_VARIABLES = {
    "anon_key": "SUPABASE_ANON_KEY",
    "service_role_key": "SUPABASE_SERVICE_ROLE_KEY",
    "publishable_key": "SUPABASE_PUBLISHABLE_KEY",
    "secret_key": "SUPABASE_SECRET_KEY",
}


def project_secrets(target: Mapping[str, Any]) -> dict[str, str]:
    """The secrets a project defines for itself, from its `[targets.*]` config table."""
    inbox = target["inbox"]
    keys = {name: target[setting] for setting, name in KEY_VARIABLES.items() if setting in target}
    return {
        "SUPABASE_URL": target["supabase_url"],
        **keys,
        "SUPABASE_DB_URL": target["db_url"],
        "SITE_URL": target["site_url"],
        "RESEND_API_KEY": inbox["resend_api_key"],
        "RESEND_API_URL": inbox["resend_api_url"],
        "WHATSAPP_API_URL": inbox["whatsapp_api_url"],
        "WHATSAPP_TOKEN": inbox["whatsapp_token"],
        "WHATSAPP_PHONE_NUMBER_ID": inbox["whatsapp_phone_number_id"],
    }


def compose_secrets(
    old_env: Mapping[str, str], new_target: Mapping[str, Any], old_site_url: str, fault: Fault
) -> dict[str, str]:
    """Old's secrets with new's project values over them (then the fault's hook)."""
    return fault.function_secrets({**old_env, **project_secrets(new_target)}, old_site_url)


def set_secrets(old_dir: Path, new_dir: Path, new_target: Mapping[str, Any], old_site_url: str,
                fault: Fault) -> dict[str, str]:  # fmt: skip
    """Write new's functions.env (mode 600) from old's; return what was written."""
    secrets = compose_secrets(
        read_env_file(old_dir / "functions.env"), new_target, old_site_url, fault
    )
    state = StateDir(new_dir)
    state.write_private(state.functions_env, format_env_file(secrets))
    return secrets


def deployed_functions(functions_dir: Path = FUNCTIONS_DIR) -> list[str]:
    """The functions of supabase/functions/* (directories with an index.ts, `_shared` aside)."""
    return sorted(
        path.name
        for path in functions_dir.iterdir()
        if path.is_dir() and not path.name.startswith("_") and (path / "index.ts").exists()
    )


def deploy_settings(
    new_dir: Path,
    new_keys: str,
    verified: tuple[str, ...] = (),
    functions_dir: Path = FUNCTIONS_DIR,
) -> str:
    """How the functions are deployed on new: with only the current keys, JWT verification is
    off (`supabase functions deploy --no-verify-jwt`: verify_jwt refuses sb_ keys, so each
    function checks its caller itself) but for the `verified` ones (a fault); else as
    supabase/config.toml says."""
    deployed = new_dir / "functions.toml"
    if new_keys != "new":
        deployed.unlink(missing_ok=True)
        return "(verify_jwt as in config.toml)"
    names = deployed_functions(functions_dir)
    deployed.write_text(
        "".join(f"[functions.{n}]\nverify_jwt = {str(n in verified).lower()}\n\n" for n in names)
    )
    kept = f" but {', '.join(verified)} (JWT verification on)" if verified else ""
    return f"--no-verify-jwt{kept}"


def smoke_key(target: Mapping[str, Any]) -> str:
    """The key the smoke call sends: the legacy anon key (a JWT any function accepts) when the
    project still has it, else the publishable key (accepted without JWT verification)."""
    return str(target.get("anon_key") or target["publishable_key"])


def smoke_test(url: str, key: str, timeout_s: float = 60.0) -> str:
    """The playbook's smoke test: invoke goal-notifications with a dummy body; 2xx or fail."""
    try:
        response = httpx.post(
            f"{url}/functions/v1/{SMOKE_FUNCTION}",
            json={},
            headers={"apikey": key, "Authorization": f"Bearer {key}"},
            timeout=timeout_s,
        )
    except httpx.HTTPError as exc:
        raise PlaybookError("functions-deploy", f"{SMOKE_FUNCTION} smoke test: {exc}") from exc
    if not response.is_success:
        raise PlaybookError(
            "functions-deploy",
            f"{SMOKE_FUNCTION} smoke test answered {response.status_code}: {response.text[:200]}",
        )
    return f"{SMOKE_FUNCTION} smoke test {response.status_code}"
