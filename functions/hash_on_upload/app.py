"""COS trigger on uploads/ — stream each new object once and record its MD5, size and content kind.
Storage faults raise, so the platform's async retry runs it again; duplicates are harmless."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from faceid_relay.flows.hashing import record_upload
from faceid_relay.observability import logger, metrics
from faceid_relay.platform.context import wrap_context
from faceid_relay.platform.cos_trigger import MalformedCosEventError, parse_cos_event
from faceid_relay.settings import Settings
from faceid_relay.storage import Storage

settings = Settings.from_env()
storage = Storage(settings)


# log_event stays off: the trigger event carries the uploader's Authorization header.
@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(log_event=False)
def hash_uploads(event: Any, context: LambdaContext) -> dict[str, Any]:
    try:
        objects = parse_cos_event(event)
    except MalformedCosEventError as error:
        logger.warning("not a COS object event", reason=str(error))
        return {"recorded": [], "error": str(error)}
    recorded = [record.key for item in objects if (record := record_upload(item, settings, storage))]
    metrics.add_metric(name="UploadsRecorded", unit=MetricUnit.Count, value=len(recorded))
    return {"recorded": recorded}


def handler(event: Any, context: Any) -> dict[str, Any]:
    outcome: dict[str, Any] = hash_uploads(event, wrap_context(context))
    return outcome
