"""Web (H5) verifications: BizToken lifetimes, the attempts the verification page records, and the
results GetWebVerificationResult(Intl) reads. State and rules only; pages.py and api.py serve them.

Lifetimes (reference §1.1, §5): an Intl BizToken must be started within 10 minutes, a legacy one within
7,200 s; results stay readable for three days (259,200 s) after issuance, as often as asked."""

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from faceid_relay.compat import StrEnum
from localcloud.clock import Clock
from localcloud.faceid import media
from localcloud.faceid.errors import BizTokenExpiredError, BizTokenIllegalError

READ_WINDOW_SECONDS = 259_200


class Flavor(StrEnum):
    INTL = "intl"  # ApplyWebVerificationBizTokenIntl + GetWebVerificationResultIntl
    LEGACY = "legacy"  # ApplyWebVerificationToken + GetWebVerificationResult (removed from the SDK)


START_WINDOW_SECONDS = {Flavor.INTL: 600, Flavor.LEGACY: 7_200}


class Choice(StrEnum):
    """The buttons of the verification page."""

    PASS = "pass"
    FAIL = "fail"
    SPOOF = "spoof"


class PageState(StrEnum):
    UNKNOWN = "unknown"
    READY = "ready"
    EXPIRED = "expired"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Verdict:
    code: int
    message: str


# Integer result codes of the web flow ("Error Code", https://www.tencentcloud.com/document/product/1061/37075).
VERDICTS = {
    Choice.PASS: Verdict(0, "Success"),
    Choice.FAIL: Verdict(1005, "Liveness detection failed"),
    Choice.SPOOF: Verdict(1002, "Suspected spoofed recording."),
}
TOKEN_EXPIRED = Verdict(15, "Token expired")


@dataclass(frozen=True)
class Attempt:
    choice: Choice
    req_timestamp_ms: int
    seq: str
    similarity: float

    def detail(self) -> dict[str, Any]:
        """One VerificationDetail. The docs do not say what the compare fields hold when liveness failed
        (no comparison ran); they repeat the liveness verdict here, with similarity 0."""
        verdict = VERDICTS[self.choice]
        return {
            "ErrorCode": verdict.code,
            "ErrorMsg": verdict.message,
            "LivenessErrorCode": verdict.code,
            "LivenessErrorMsg": verdict.message,
            "CompareErrorCode": verdict.code,
            "CompareErrorMsg": verdict.message,
            "ReqTimestamp": self.req_timestamp_ms,
            "Similarity": self.similarity if self.choice is Choice.PASS else 0.0,
            "Seq": self.seq,
        }


@dataclass
class WebSession:
    biz_token: str
    flavor: Flavor
    region: str
    redirect_url: str
    issued_at: float
    extra: str | None
    similarity: float
    started_at: float | None = None
    attempts: list[Attempt] = field(default_factory=list)

    def page_state(self, now: float) -> PageState:
        if self.attempts:
            return PageState.COMPLETED
        if self.started_at is None and now > self.issued_at + START_WINDOW_SECONDS[self.flavor]:
            return PageState.EXPIRED
        return PageState.READY

    def verdict(self, now: float) -> Verdict | None:
        """The final result, TOKEN_EXPIRED when nobody started in time, None while still open."""
        if self.attempts:
            return VERDICTS[self.attempts[-1].choice]
        return TOKEN_EXPIRED if self.page_state(now) is PageState.EXPIRED else None


@dataclass(frozen=True)
class ResultView:
    """What a result call sees, copied out under the lock."""

    session: WebSession
    verdict: Verdict | None
    details: list[dict[str, Any]]


class WebVerifications:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._sessions: dict[str, WebSession] = {}
        self._lock = threading.Lock()

    def issue(
        self, flavor: Flavor, region: str, redirect_url: str, extra: str | None, compare_image: bytes | None
    ) -> str:
        token = str(uuid.uuid4()).upper()
        similarity = media.similarity(compare_image or token.encode())
        session = WebSession(token, flavor, region, redirect_url, self._clock.now(), extra, similarity)
        with self._lock:
            self._sessions[token] = session
        return token

    def open_page(self, token: str) -> PageState:
        """A visit to the verification page: it starts the flow if the token is still in time."""
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return PageState.UNKNOWN
            now = self._clock.now()
            state = session.page_state(now)
            if state is PageState.READY and session.started_at is None:
                session.started_at = now
            return state

    def submit(self, token: str, choice: Choice) -> tuple[PageState, WebSession | None]:
        """A press on the page: the attempt is recorded and finishes the flow (READY means accepted)."""
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return PageState.UNKNOWN, None
            now = self._clock.now()
            state = session.page_state(now)
            if state is PageState.READY:
                session.started_at = session.started_at or now
                session.attempts.append(
                    Attempt(choice, int(now * 1000), str(uuid.uuid4()), session.similarity)
                )
            return state, session

    def peek(self, token: str) -> tuple[PageState, WebSession | None]:
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return PageState.UNKNOWN, None
            return session.page_state(self._clock.now()), session

    def result(self, token: str, flavor: Flavor, region: str) -> ResultView:
        """The result as the Get*Result action sees it. A token of another flow or region is unknown
        there, as it would be to the real service."""
        with self._lock:
            session = self._sessions.get(token)
            if session is None or session.flavor is not flavor or session.region != region:
                raise BizTokenIllegalError()
            now = self._clock.now()
            if now > session.issued_at + READ_WINDOW_SECONDS:
                raise BizTokenExpiredError()
            return ResultView(
                session, session.verdict(now), [attempt.detail() for attempt in session.attempts]
            )


def redirect_with_token(redirect_url: str, token: str) -> str:
    """`RedirectURL` with `token=<BizToken>` spliced in (SDK field doc: "...?token={BizToken}"), keeping
    any query and fragment the caller gave."""
    base, hash_mark, fragment = redirect_url.partition("#")
    if "?" not in base:
        separator = "?"
    elif base.endswith(("?", "&")):
        separator = ""
    else:
        separator = "&"
    return f"{base}{separator}token={token}{hash_mark}{fragment}"
