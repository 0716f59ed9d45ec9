"""GET /callback?token= — where FaceID sends the browser: the result is copied out once, the session
marked final, and the browser sent to the returnUrl fixed at issuance. No app token (browsers call it);
a browser meets a page, or its returnUrl with status=error, where an API client gets the JSON error."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from faceid_relay.flows.results import finish_verification
from faceid_relay.http_api import documented_responses
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
    responses=documented_responses(None, "On to the returnUrl.", status=302),
)
def verification_callback(token: Annotated[str, Query(max_length=64)]) -> Response[str]:
    person = prefers_html(app.current_event.headers.get("accept"))
    location = finish_verification(token, fn.settings, fn.storage, fn.faceid, redirect_failures=person)
    return Response(status_code=302, headers={"Location": location}, body="")


handler = fn.handler
