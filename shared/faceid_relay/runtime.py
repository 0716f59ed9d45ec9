"""What every HTTP function builds once per cold start: settings (failing fast on a bad configuration),
the bucket, the validating resolver behind the app token, FaceID bound to the invocation's time, and the
app's webhook receiver when one is configured."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from faceid_relay.errors import RelayError, Unauthorized
from faceid_relay.faceid import FaceId
from faceid_relay.flows.ports import Bucket, FaceIdApi, WebhookReceiver
from faceid_relay.http_api import Handler, create_resolver, documented_responses, http_handler
from faceid_relay.models.rules import Action
from faceid_relay.observability import logger
from faceid_relay.settings import Settings
from faceid_relay.storage import Storage
from faceid_relay.webhooks import WebhookEndpoint

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.models import SecurityScheme

APP_TOKEN_SCHEME = "appToken"  # noqa: S105 - the OpenAPI scheme name, not a secret
# What HTTPBearer() serialises to. Only the OpenAPI document reads it, and validates it into HTTPBearer there;
# importing Powertools' OpenAPI models at init would cost every cold start ~60 ms (docs/performance.md).
APP_TOKEN_SECURITY = cast("SecurityScheme", {"type": "http", "scheme": "bearer"})


@dataclass(frozen=True)
class HttpFunction:
    """A function's parts. Routes take the bucket, FaceID and the webhook receiver as Powertools dependencies
    (`Depends(fn.bucket)`, `Depends(fn.faceid_api)`, `Depends(fn.webhook_receiver)`), so
    `app.dependency_overrides` can swap them."""

    settings: Settings
    storage: Storage
    app: APIGatewayHttpResolver
    faceid: FaceId
    handler: Handler
    app_token: bool
    error_pages: bool
    webhooks: WebhookEndpoint | None

    def responses(
        self,
        success: Any,
        description: str,
        *,
        errors: Iterable[type[RelayError]] = (),
        status: int = HTTPStatus.OK,
    ) -> dict[int, OpenAPIResponse]:
        """A route's OpenAPI responses: `errors` are those its flow can raise; the edge adds its own."""
        gate = (Unauthorized,) if self.app_token else ()
        return documented_responses(
            success, description, status=status, errors=(*gate, *errors), error_pages=self.error_pages
        )

    def bucket(self) -> Bucket:
        return self.storage

    def faceid_api(self) -> FaceIdApi:
        return self.faceid

    def webhook_receiver(self) -> WebhookReceiver | None:
        return self.webhooks


def http_function(
    calls: Iterable[Action] | Callable[[Settings], Iterable[Action]] = (),
    *,
    app_token: bool = True,
    error_pages: bool = False,
    rate_limit_backoff: bool = True,
) -> HttpFunction:
    """`calls`: the FaceID actions this function calls, or how to pick them from the settings (the API
    flavor); the deployment's region must serve them all. `error_pages`: a person's browser opens it, so
    errors are a page when the request prefers HTML. `rate_limit_backoff`: False where anyone may call, so
    no request of theirs holds an instance waiting on FaceID's rate limit."""
    settings = Settings.from_env()
    settings.require_actions(*(calls(settings) if callable(calls) else calls))
    app = create_resolver(cors_origins=settings.cors_origins, logger=logger, error_pages=error_pages)
    if app_token:
        app.configure_openapi(
            title="faceid-relay",
            security_schemes={APP_TOKEN_SCHEME: APP_TOKEN_SECURITY},
            security=[{APP_TOKEN_SCHEME: []}],
        )
    handler = http_handler(
        app,
        logger,
        app_token=settings.app_token if app_token else None,
        max_body_bytes=settings.max_body_bytes,
    )

    def remaining_seconds() -> float:
        return app.lambda_context.get_remaining_time_in_millis() / 1000

    return HttpFunction(
        settings,
        Storage(settings, remaining=remaining_seconds),
        app,
        FaceId(settings, remaining=remaining_seconds, backoff=rate_limit_backoff),
        handler,
        app_token,
        error_pages,
        webhook_endpoint(settings),
    )


def webhook_endpoint(settings: Settings) -> WebhookEndpoint | None:
    """Where this deployment's webhook events go; None without RELAY_WEBHOOK_URL (no webhooks)."""
    if settings.webhook_url is None:
        return None
    return WebhookEndpoint(settings.webhook_url, settings.webhook_secrets)
