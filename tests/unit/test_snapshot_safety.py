"""Lambda SnapStart resumes many execution environments from one snapshot of a finished init: whatever init
drew at random is then shared by all of them (docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html).
deploy/README.md §4 lists what the layer keeps from init and why each is safe."""

import pytest

from faceid_relay.faceid import BACKOFF_JITTER


def test_rate_limit_backoff_draws_from_the_os_not_from_a_state_a_snapshot_would_copy():
    """Environments restored from one snapshot must not retry FaceID in lockstep: a seeded generator (what
    `random.uniform` uses) has a state, and every copy of that state draws the same delays."""
    with pytest.raises(NotImplementedError):
        BACKOFF_JITTER.getstate()
