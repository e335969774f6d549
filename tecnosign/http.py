import json

from django.conf import settings
from django.http import FileResponse, JsonResponse


def client_ip(request) -> str | None:
    """The client's address; behind TRUSTED_PROXY_COUNT proxies, read from X-Forwarded-For."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def private_file_response(
    file, *, content_type: str, filename: str, as_attachment: bool = False, framed_by_portal: bool = False
) -> FileResponse:
    """A customer's uploaded file for staff: never cached, never sniffed, and inert even if active content got in.

    `Content-Security-Policy: sandbox` makes the browser treat the file as a page of a unique origin with scripts,
    forms, plug-ins and pop-ups off, and `default-src 'none'` lets it load nothing; uploads are refused with active
    content already (tecnosign.uploads), this is the second line. This policy replaces the portal's own (the
    middleware leaves an answer's CSP alone): `frame-ancestors` lets only the portal's pages frame the file, and
    only with `framed_by_portal` (the dossier's inline preview), else none.
    """
    response = FileResponse(file, content_type=content_type, filename=filename, as_attachment=as_attachment)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    ancestors = "'self'" if framed_by_portal else "'none'"
    response["Content-Security-Policy"] = f"sandbox; default-src 'none'; frame-ancestors {ancestors}"
    return response


def json_answer(data: dict, *, status: int = 200) -> JsonResponse:
    """A page script's answer: JSON with the Portuguese text as is (not \\u-escaped)."""
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def json_error(code: str, message: str, *, status: int, field: str | None = None) -> JsonResponse:
    """`{"code", "message", "errors": [{"field", "code", "message"}]}`: the shape the page scripts read."""
    errors = [{"field": field, "code": code, "message": message}] if field else []
    return json_answer({"code": code, "message": message, "errors": errors}, status=status)


def json_body(request, *, max_bytes: int = 64 * 1024) -> dict | None:
    """The request's JSON object; None when it is too large, not JSON, or not an object."""
    if len(request.body) > max_bytes:
        return None
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None
