"""GET /callback?token= — where FaceID sends the browser: the result is copied out once, the session
marked final, and the browser sent to the returnUrl fixed at issuance. No app token (browsers call it);
a browser meets a page, or its returnUrl with status=error, where an API client gets the JSON error."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from faceid_relay.flows.ports import Bucket, FaceIdApi, WebhookReceiver
from faceid_relay.flows.results import RESULT_ERRORS, finish_verification
from faceid_relay.pages import prefers_html
from faceid_relay.runtime import http_function

fn = http_function(
    lambda settings: [settings.web_actions.read_result],
    app_token=False,
    error_pages=True,
    rate_limit_backoff=False,
)
app = fn.app


@app.get(
    "/callback",
    responses=fn.responses(
        None,
        "On to the returnUrl fixed at issuance (Location header), with status=passed|failed|expired|canceled|"
        "pending; a browser (Accept prefers text/html) also goes there with status=error when the result "
        "cannot be read, and gets a page instead of JSON for the errors below.",
        status=302,
        errors=RESULT_ERRORS,
    ),
)
def verification_callback(
    token: Annotated[str, Query(max_length=64, description="The BizToken FaceID appends to RedirectURL.")],
    storage: Annotated[Bucket, Depends(fn.bucket)],
    faceid: Annotated[FaceIdApi, Depends(fn.faceid_api)],
    webhooks: Annotated[WebhookReceiver | None, Depends(fn.webhook_receiver)],
) -> Response[str]:
    person = prefers_html(app.current_event.headers.get("accept"))
    location = finish_verification(token, fn.settings, storage, faceid, webhooks, redirect_failures=person)
    return Response(status_code=302, headers={"Location": location}, body="")


handler = fn.handler
