"""`/storage/v1`: a stand-in for Supabase Storage that storage3 and supabase-js use unchanged.

The handlers live in `storage_buckets` and `storage_objects`; this module only lays out the
routes in Storage's order (specific prefixes before `/object/{bucket}/{name}`) and answers
unknown routes with Storage's own 404.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..settings import StackSettings
from . import storage_buckets as buckets
from . import storage_errors as errors
from . import storage_objects as objects

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def _not_found(request: Request) -> Response:
    """Storage's answer for a route it does not have."""
    path = request.url.path.removeprefix(request.scope.get("root_path", ""))
    return errors.not_found_route(request.method, path or "/").response()


def routes(settings: StackSettings) -> list[BaseRoute]:
    """The Storage API's routes, to be mounted at /storage/v1."""
    del settings  # handlers read the settings from request.app.state
    obj = "/object/{bucket}/{name:path}"
    return [
        Route("/bucket", buckets.list_buckets, methods=["GET"]),
        Route("/bucket", buckets.create_bucket, methods=["POST"]),
        Route("/bucket/", buckets.list_buckets, methods=["GET"]),
        Route("/bucket/", buckets.create_bucket, methods=["POST"]),
        Route("/bucket/{bucket_id}/empty", buckets.empty_bucket, methods=["POST"]),
        Route("/bucket/{bucket_id}", buckets.get_bucket, methods=["GET"]),
        Route("/bucket/{bucket_id}", buckets.update_bucket, methods=["PUT"]),
        Route("/bucket/{bucket_id}", buckets.delete_bucket, methods=["DELETE"]),
        Route("/object/list/{bucket}", objects.list_objects, methods=["POST"]),
        Route("/object/move", objects.move_object, methods=["POST"]),
        Route("/object/copy", objects.copy_object, methods=["POST"]),
        Route("/object/sign/{bucket}/{name:path}", objects.sign_object, methods=["POST"]),
        Route("/object/sign/{bucket}/{name:path}", objects.get_signed_object, methods=["GET"]),
        Route("/object/sign/{bucket}", objects.sign_objects, methods=["POST"]),
        Route("/object/public/{bucket}/{name:path}", objects.get_public_object, methods=["GET"]),
        Route(
            "/object/authenticated/{bucket}/{name:path}",
            objects.get_authenticated_object,
            methods=["GET"],
        ),
        Route(
            "/object/info/public/{bucket}/{name:path}",
            objects.get_public_object_info,
            methods=["GET"],
        ),
        Route(
            "/object/info/authenticated/{bucket}/{name:path}",
            objects.get_authenticated_object_info,
            methods=["GET"],
        ),
        Route("/object/info/{bucket}/{name:path}", objects.get_object_info, methods=["GET"]),
        Route(obj, objects.get_object, methods=["GET"]),
        Route(obj, objects.upload_object, methods=["POST"]),
        Route(obj, objects.update_object, methods=["PUT"]),
        Route(obj, objects.delete_object, methods=["DELETE"]),
        Route("/object/{bucket}", objects.delete_objects, methods=["DELETE"]),
        Route("/{rest:path}", _not_found, methods=_ALL_METHODS),
    ]
