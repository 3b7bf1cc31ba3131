"""The reference web app at `/`: its static files, supabase-js, a generated /config.js, and
/build.json (the manifest of the build deployed on this stack, when one was).

A file under the stack's `web-patch/` folder is served in place of the app's file of the same
path, on this stack only: a deploy that shipped something other than the release (the damage
self-tests break one site's app with it; the two stacks otherwise serve the same files)."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from ..settings import StackSettings

SUPABASE_UMD = "node_modules/@supabase/supabase-js/dist/umd/supabase.js"
PATCH_DIR = "web-patch"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
}


def routes(settings: StackSettings) -> list[BaseRoute]:
    """Routes serving the web app; unknown paths fall back to index.html (a single-page app)."""
    web = settings.web_dir

    async def config_js(request: Request) -> Response:
        config = {
            "supabaseUrl": settings.public_url,
            "anonKey": settings.public_key,
            "siteUrl": settings.site_url,
        }
        # What the app was built with when it was deployed (the build's env), if recorded.
        deployed = settings.state_dir / "web-config.json"
        if deployed.is_file():
            config.update(json.loads(deployed.read_text()))
        return PlainTextResponse(
            f"window.APP_CONFIG = {json.dumps(config)};\n",
            media_type="text/javascript",
            headers={"cache-control": "no-store"},
        )

    async def supabase_js(request: Request) -> Response:
        path = web / SUPABASE_UMD
        if not path.exists():
            return PlainTextResponse("supabase-js is not installed: run scripts/setup.sh", 404)
        return FileResponse(path, media_type="text/javascript")

    async def page(request: Request) -> Response:
        rel = request.path_params.get("path", "") or "index.html"
        # The manifest of the build deployed here (its id), as a real build writes it.
        deployed_build = settings.state_dir / "web-build.json"
        if rel == "build.json" and deployed_build.is_file():
            return FileResponse(
                deployed_build,
                media_type=CONTENT_TYPES[".json"],
                headers={"cache-control": "no-store"},
            )
        patches = settings.state_dir / PATCH_DIR
        patched = (patches / rel).resolve()
        if patches.resolve() in patched.parents and patched.is_file():
            return FileResponse(
                patched,
                media_type=CONTENT_TYPES.get(patched.suffix),
                headers={"cache-control": "no-store"},
            )
        candidate = (web / rel).resolve()
        if web.resolve() in candidate.parents and candidate.is_file() and "node_modules" not in rel:
            return FileResponse(candidate, media_type=CONTENT_TYPES.get(candidate.suffix))
        index = web / "index.html"
        if index.exists():
            return FileResponse(
                index, media_type=CONTENT_TYPES[".html"], headers={"cache-control": "no-store"}
            )
        # No app deployed: a 404, so the app-deploy check sees a missing deploy as one.
        return PlainTextResponse("Not Found: no web app is deployed here", 404)

    return [
        Route("/config.js", config_js),
        Route("/vendor/supabase.js", supabase_js),
        Route("/{path:path}", page),
    ]
