"""COS trigger on uploads/ — stream each new object once and record its MD5, size and content kind.
Storage faults and unreadable events raise, so the platform's async retry (and dead-letter queue) sees them;
duplicates are harmless."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from faceid_relay.flows.hashing import record_upload
from faceid_relay.observability import event_function, logger, metrics
from faceid_relay.platform.cos_trigger import MalformedCosEventError, parse_cos_event
from faceid_relay.settings import Settings
from faceid_relay.storage import Storage

settings = Settings.from_env()
storage = Storage(settings)


def hash_uploads(event: Any, context: LambdaContext) -> dict[str, Any]:
    try:
        objects = parse_cos_event(event)
    except MalformedCosEventError as error:
        logger.error("unreadable COS event", reason=str(error))
        metrics.add_metric(name="UnreadableCosEvents", unit=MetricUnit.Count, value=1)
        # The readable records first; the failure then makes the platform retry (duplicates are harmless).
        for item in error.readable:
            record_upload(item, settings, storage)
        raise
    records = [record for item in objects if (record := record_upload(item, settings, storage))]
    recorded = [record.key for record in records if not record.refused]
    refused = [record.key for record in records if record.refused]
    metrics.add_metric(name="UploadsRecorded", unit=MetricUnit.Count, value=len(recorded))
    if refused:
        metrics.add_metric(name="UploadsRefused", unit=MetricUnit.Count, value=len(refused))
    return {"recorded": recorded, "refused": refused}


handler = event_function(hash_uploads)
