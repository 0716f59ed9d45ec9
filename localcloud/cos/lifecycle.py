"""Bucket lifecycle: the configuration as PUT (returned as stored), and which objects it has expired.

Expiry is counted in whole days as the S3-style lifecycle COS follows: last modified + Days, rounded up to
the next midnight UTC (the day boundary COS uses is not documented in English; UTC is the choice here).
Only expiry and aborting incomplete multipart uploads change anything; transitions and other actions are
accepted and kept, because storage classes are not emulated."""

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone

from . import xmlio
from .errors import MalformedXMLError

DAY_SECONDS = 86400


@dataclass(frozen=True)
class LifecycleRule:
    rule_id: str
    prefix: str
    tags: tuple[tuple[str, str], ...]
    enabled: bool
    expire_days: int | None
    expire_date: float | None
    abort_multipart_days: int | None

    def applies_to(self, key: str, tags: list[tuple[str, str]]) -> bool:
        return self.enabled and key.startswith(self.prefix) and set(self.tags) <= set(tags)

    def expired(self, last_modified: float, now: float) -> bool:
        if self.expire_days is not None:
            return now >= after_whole_days(last_modified, self.expire_days)
        return self.expire_date is not None and now >= self.expire_date

    def abandoned(self, initiated: float, now: float) -> bool:
        return self.abort_multipart_days is not None and now >= after_whole_days(
            initiated, self.abort_multipart_days
        )


def after_whole_days(moment: float, days: int) -> float:
    """`moment` + `days`, rounded up to the next 00:00 UTC."""
    return math.ceil((moment + days * DAY_SECONDS) / DAY_SECONDS) * DAY_SECONDS


def day_of(moment: float) -> int:
    return math.floor(moment / DAY_SECONDS)


def parse_lifecycle(body: bytes) -> tuple[LifecycleRule, ...]:
    """`<LifecycleConfiguration><Rule>...` as qcloud_cos.put_bucket_lifecycle sends it."""
    rules = tuple(_rule(rule) for rule in xmlio.children(xmlio.parse(body, "LifecycleConfiguration"), "Rule"))
    if not rules:
        raise MalformedXMLError("<LifecycleConfiguration> needs at least one <Rule>.")
    if len({rule.rule_id for rule in rules if rule.rule_id}) != len([rule for rule in rules if rule.rule_id]):
        raise MalformedXMLError("Rule IDs must be unique.")
    return rules


def _optional_text(element: ET.Element, name: str) -> str | None:
    found = xmlio.children(element, name)
    return (found[0].text or "") if found else None


def _number(text: str | None, name: str) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or int(text) < 1:
        raise MalformedXMLError(f"<{name}> must be a positive whole number of days.")
    return int(text)


def _rule(rule: ET.Element) -> LifecycleRule:
    status = xmlio.text_of(rule, "Status")
    if status not in ("Enabled", "Disabled"):
        raise MalformedXMLError("<Status> is Enabled or Disabled.")
    prefix, tags = _optional_text(rule, "Prefix") or "", []
    for filter_element in xmlio.children(rule, "Filter"):
        scopes = [filter_element, *xmlio.children(filter_element, "And")]
        for scope in scopes:
            prefix = _optional_text(scope, "Prefix") or prefix
            tags += [
                (xmlio.text_of(tag, "Key"), xmlio.text_of(tag, "Value"))
                for tag in xmlio.children(scope, "Tag")
            ]
    expire_days = expire_date = abort_days = None
    for expiration in xmlio.children(rule, "Expiration"):
        expire_days = _number(_optional_text(expiration, "Days"), "Days")
        date = _optional_text(expiration, "Date")
        if date is not None:
            try:
                expire_date = (
                    datetime.fromisoformat(date.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp()
                )
            except ValueError:
                raise MalformedXMLError("<Date> must be an ISO 8601 date.") from None
    for abort in xmlio.children(rule, "AbortIncompleteMultipartUpload"):
        abort_days = _number(_optional_text(abort, "DaysAfterInitiation"), "DaysAfterInitiation")
    return LifecycleRule(
        rule_id=_optional_text(rule, "ID") or "",
        prefix=prefix,
        tags=tuple(tags),
        enabled=status == "Enabled",
        expire_days=expire_days,
        expire_date=expire_date,
        abort_multipart_days=abort_days,
    )
