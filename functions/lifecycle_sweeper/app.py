"""Every minute (SCF timer trigger, SAM Schedule): finalize verifications nobody came back for, and send the
webhook events not delivered yet. Failures of one item are logged and left for the next run."""

import faceid_relay.loading  # noqa: F401 - first of all: see faceid_relay/startup.py

# isort: split
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from faceid_relay.faceid import FaceId
from faceid_relay.flows.sweeper import sweep
from faceid_relay.observability import event_function, logger, metrics
from faceid_relay.platform.schedule import NotATimerEventError, scheduled_time
from faceid_relay.runtime import webhook_endpoint
from faceid_relay.settings import Settings
from faceid_relay.storage import Storage

# Stop starting new work when less than one FaceID call plus a media copy still fits.
RESERVE_MS = 20_000

settings = Settings.from_env()
settings.require_actions(settings.web_actions.read_result)
storage = Storage(settings)
webhooks = webhook_endpoint(settings)


def run_sweep(event: Any, context: LambdaContext) -> dict[str, Any]:
    try:
        now = scheduled_time(event)
    except NotATimerEventError as error:
        logger.warning("not a timer event", reason=str(error))
        return {"error": str(error)}
    faceid = FaceId(settings, remaining=lambda: context.get_remaining_time_in_millis() / 1000)
    report = sweep(
        now, settings, storage, faceid, webhooks, lambda: context.get_remaining_time_in_millis() > RESERVE_MS
    )
    metrics.add_metric(name="SweepClosedVerifications", unit=MetricUnit.Count, value=report.closed)
    logger.info("sweep done", extra=vars(report))
    return vars(report)


handler = event_function(run_sweep)
