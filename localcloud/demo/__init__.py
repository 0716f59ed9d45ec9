"""The demo "customer H5": a page that uploads an image and starts a web verification, and the small
app backend behind it that holds the bearer token (as a real app backend would), served by the gateway."""

import json
import uuid
from pathlib import Path

import httpx
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from localcloud.webhooks import WebhookReceiver

PAGES = Path(__file__).resolve().parent / "pages"


def demo_routes(gateway_url: str, app_token: str, webhooks: WebhookReceiver) -> list[BaseRoute]:
    """Routes under /demo/. The backend remembers which BizToken belongs to which of its references, and
        shows the webhook events the local receiver got for it; the person can cancel a verification they
    started and erase their data once it is over (the app backend calls the relay's cancel and redact)."""
    tokens_by_reference: dict[str, str] = {}
    auth = {"Authorization": f"Bearer {app_token}"}

    async def relay(
        method: str, path: str, body: object | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        async with httpx.AsyncClient(base_url=gateway_url, timeout=60) as client:
            answer = await client.request(method, path, json=body, headers={**auth, **(headers or {})})
        forwarded = {name: answer.headers[name] for name in ("Retry-After",) if name in answer.headers}
        return Response(answer.content, answer.status_code, headers=forwarded, media_type="application/json")

    async def create_upload(request: Request) -> Response:
        body = await request.json()
        return await relay("POST", "/uploads", {**body, "purpose": "compare-image"})

    async def start_verification(request: Request) -> Response:
        body = await request.json()
        reference = f"demo-{uuid.uuid4().hex[:12]}"
        answer = await relay(
            "POST",
            "/verifications",
            {
                "compareImageKey": body.get("compareImageKey"),
                "returnUrl": f"{gateway_url}/demo/result",
                "reference": reference,
            },
            headers={"Idempotency-Key": reference},
        )
        if answer.status_code != 200:
            return answer
        issued = json.loads(bytes(answer.body))
        tokens_by_reference[reference] = issued["bizToken"]
        # The page keeps the reference (its list of verifications); the BizToken stays with the backend.
        return JSONResponse({"reference": reference, "verificationUrl": issued["verificationUrl"]})

    def for_reference(method: str, action: str = "") -> Route:
        """A relay call on the verification the page names by its reference."""

        async def call(request: Request) -> Response:
            token = tokens_by_reference.get(request.path_params["reference"])
            if token is None:
                return JSONResponse(
                    {"code": "UnknownReference", "message": "This demo does not know that reference."}, 404
                )
            return await relay(method, f"/verifications/{token}{action}")

        return Route(f"/demo/api/verifications/{{reference}}{action}", call, methods=[method])

    async def read_webhooks(request: Request) -> Response:
        token = tokens_by_reference.get(request.path_params["reference"])
        events = [e for e in webhooks.events() if token is not None and e["data"]["bizToken"] == token]
        return JSONResponse({"events": events})

    def page(name: str) -> Route:
        async def serve(_: Request) -> Response:
            return FileResponse(PAGES / name, media_type="text/html")

        return Route(f"/demo/{name.removesuffix('.html').replace('index', '')}", serve, methods=["GET"])

    return [
        page("index.html"),
        page("result.html"),
        Route("/demo/api/uploads", create_upload, methods=["POST"]),
        Route("/demo/api/verifications", start_verification, methods=["POST"]),
        for_reference("GET"),
        for_reference("POST", "/cancel"),
        for_reference("POST", "/redact"),
        Route("/demo/api/webhooks/{reference}", read_webhooks, methods=["GET"]),
    ]
