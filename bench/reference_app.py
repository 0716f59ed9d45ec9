"""The reference for cold start (P2) and per-request overhead (P5): the least a validating Powertools HTTP
function can be, an APIGatewayRestResolver with enable_validation=True answering from a one-line route."""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

REFERENCE_NAME = "Powertools REST resolver (validation)"
# A REST API (v1) event, the kind APIGatewayRestResolver takes; its path matches the route below.
REFERENCE_EVENT = ("result_read", "lambda-v1")

app = APIGatewayRestResolver(enable_validation=True)


@app.get("/verifications/<biz_token>")
def read_verification(biz_token: str) -> dict[str, str]:
    return {"bizToken": biz_token}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
