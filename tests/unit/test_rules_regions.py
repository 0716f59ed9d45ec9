"""Where FaceID serves each action (reference §1.1): a deployment never calls an action its region lacks."""

import pytest

from faceid_relay.models.rules import ACTION_REGIONS, REGIONS, WEB_ACTIONS, Action, ApiFlavor

APP_SDK_ACTIONS = (
    Action.CreateUploadUrl,
    Action.GenerateReflectSequence,
    Action.DetectReflectLivenessAndCompare,
)


def test_every_action_has_its_regions_and_only_ours() -> None:
    assert set(ACTION_REGIONS) == set(Action)
    for regions in ACTION_REGIONS.values():
        assert regions <= set(REGIONS)


@pytest.mark.parametrize("action", APP_SDK_ACTIONS)
def test_the_app_sdk_actions_are_not_offered_in_jakarta(action: Action) -> None:
    assert ACTION_REGIONS[action] == {"ap-bangkok", "ap-hongkong", "ap-singapore"}


def test_the_live_web_flow_runs_in_all_four_regions_and_its_results_are_readable_where_issued() -> None:
    apply, get_result = WEB_ACTIONS["live"]
    assert (apply, get_result) == (
        Action.ApplyWebVerificationBizTokenIntl,
        Action.GetWebVerificationResultIntl,
    )
    assert ACTION_REGIONS[apply] == set(REGIONS)
    # The 2025-01 doc copy omitted ap-hongkong for the read; a token issued there must be readable there.
    assert "ap-hongkong" in ACTION_REGIONS[get_result]


def test_the_legacy_web_flow_runs_only_in_jakarta_and_singapore() -> None:
    apply, get_result = WEB_ACTIONS["legacy"]
    assert (apply, get_result) == (Action.ApplyWebVerificationToken, Action.GetWebVerificationResult)
    assert ACTION_REGIONS[apply] == ACTION_REGIONS[get_result] == {"ap-jakarta", "ap-singapore"}


@pytest.mark.parametrize("flavor", list(WEB_ACTIONS))
def test_wherever_a_token_can_be_issued_its_result_can_be_read(flavor: ApiFlavor) -> None:
    apply, get_result = WEB_ACTIONS[flavor]
    assert ACTION_REGIONS[apply] <= ACTION_REGIONS[get_result]


def test_action_values_are_faceid_action_names() -> None:
    assert [str(a) for a in Action] == [a.name for a in Action]
