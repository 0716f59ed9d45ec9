"""The checked-in `--env-vars` file: SAM passes only variables the template declares (a misspelt one would be
dropped silently), and every endpoint in it is the local cloud, so no invoke can reach anything else."""

import json
import re
from urllib.parse import urlsplit

from deploy.samlocal import CLOUD_ALIAS, COS_PORT, FACEID_PORT, ROOT
from deploy.samlocal.lambdas import function_name
from localcloud import accounts
from localcloud.stack import APP_TOKEN
from tests.samlocal.test_flows import template_parameters

ENV_FILE = ROOT / "deploy" / "samlocal" / "sam-env.json"


def test_every_variable_is_one_the_template_declares() -> None:
    declared = set(re.findall(r"^\s+([A-Z][A-Z0-9_]+):", (ROOT / "template.yaml").read_text(), re.MULTILINE))

    for variables in json.loads(ENV_FILE.read_text()).values():
        assert set(variables) <= declared


def test_the_functions_talk_only_to_the_local_cloud() -> None:
    env = json.loads(ENV_FILE.read_text())["Parameters"]

    assert urlsplit(env["RELAY_COS_ENDPOINT"]).netloc == f"{CLOUD_ALIAS}:{COS_PORT}"
    assert urlsplit(env["RELAY_FACEID_ENDPOINT"]).netloc == f"{CLOUD_ALIAS}:{FACEID_PORT}"
    # URLs handed to clients (this host) go to the port published on its loopback.
    assert urlsplit(env["RELAY_COS_PUBLIC_BASE_URL"]).netloc == f"127.0.0.1:{COS_PORT}"
    assert env["RELAY_APP_TOKEN"] == APP_TOKEN


def test_each_function_signs_with_its_own_sub_user_key() -> None:
    """template.yaml gives each function its own CAM sub-user (deploy/policies/<job>.json); the local cloud
    holds the same policy for that key, so a function asking for more than its policy allows fails here."""
    env = json.loads(ENV_FILE.read_text())
    region = template_parameters()["FaceIdRegion"]

    for job, key in accounts.sub_user_keys(region).items():
        function = env[function_name(job)]
        assert (function["TENCENTCLOUD_SECRETID"], function["TENCENTCLOUD_SECRETKEY"]) == (
            key.secret_id,
            key.secret_key,
        )
