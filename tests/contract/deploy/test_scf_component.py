"""serverless.yml read the way Tencent's tooling reads it, for every region file.

No Tencent account here, so this is a small model of the documented rules, each citing its source:
- serverless-cloud-framework src/libs/utils/basic.js `resolveVariables` (the `scf` CLI, `${env:X}`);
- serverless-components/tencent-multi-scf @ 02cf563 (0.3.14) src/formatter.ts `formatInputs`,
  `formatFaasInputs`, `formatScfName`, `formatTriggerInputs`, and docs/configure.md;
- serverless-tencent/tencent-component-toolkit src/modules/scf/utils.ts `formatInputs` (CreateFunction)
  and src/modules/triggers/{index,cos,http}.ts (CreateTrigger);
- the SCF API's parameter descriptions (tencentcloud-sdk-python-scf 3.1.100 models.py).
A file that any of these would read differently from what the functions need fails here, not in a deploy."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.bucket import REGIONS
from faceid_relay.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
ENV_VARIABLE = re.compile(r"\$\{env:(\w+)\}")
MISSING = object()

# multi-scf src/config.ts: what the component fills in for an input that is absent.
COMPONENT_DEFAULTS = {
    "region": "ap-guangzhou",
    "runtime": "Nodejs12.16",
    "type": "event",
    "namespace": "default",
}
# docs/configure.md, "inputs 配置参数" and "FunctionObject": the keys the component documents.
DOCUMENTED_FUNCTION_KEYS = frozenset(
    {
        "handler", "type", "nodeType", "nodeSpec", "name", "src", "role", "description", "memorySize",
        "timeout", "environments", "vpc", "layers", "cls", "tags", "cfs", "publicAccess", "eip",
        "asyncRunEnable", "traceEnable", "installDependency", "image", "msgTTL", "retryNum",
        "runtime", "namespace", "region", "functions", "triggers", "ignoreTriggers", "isAutoPublish",
        "publishDescription",
    }
)  # fmt: skip
# CreateFunctionRequest.FunctionName: letters, digits, - and _; a letter first; no - or _ at the end; 2-60.
SCF_FUNCTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]")
# serverless-components/tencent-layer serverless.component.yml: the layer name rule.
LAYER_NAME = re.compile(r"[A-Za-z][\w-]{0,58}[A-Za-z0-9]")
# The Python runtimes the SCF API documents (CreateFunctionRequest.Runtime, SDK 3.1.100) end at Python3.10;
# Python3.11 only by CloudBase (docs.cloudbase.net/cloud-function/runtime-support); deploy/README.md.
SCF_PYTHON_RUNTIMES = frozenset({"Python3.10", "Python3.11"})
DOCUMENTED_DEFAULT_RUNTIME = "Python3.10"
# tencent-component-toolkit src/modules/triggers/index.ts: the trigger classes; any other type throws.
TOOLKIT_TRIGGER_TYPES = frozenset({"timer", "cos", "apigw", "http", "ckafka", "cmq", "cls", "mps", "clb"})
COS_TRIGGER_KEYS = frozenset({"qualifier", "bucket", "filter", "events", "enable"})
HTTP_TRIGGER_KEYS = frozenset({"qualifier", "name", "authType", "netConfig", "corsConfig"})
# toolkit src/modules/triggers/timer.ts formatInputs
TIMER_TRIGGER_KEYS = frozenset({"qualifier", "name", "cronExpression", "enable", "argument"})
# What SCF gives every function from its execution role (reference tencent-faceid-cos-scf.md §4.2).
SCF_ROLE_VARIABLES = {
    "TENCENTCLOUD_SECRETID": "AKIDexampleexampleexample",
    "TENCENTCLOUD_SECRETKEY": "example-secret-key",
    "TENCENTCLOUD_SESSIONTOKEN": "example-session-token",
}
APP_TOKEN = "t" * 40  # what the deployer exports from the secret store
WEBHOOK_SECRET = "w" * 40  # likewise, when the deployment sends webhooks


def read_env_file(path: Path) -> dict[str, str]:
    pairs = (
        line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


def deployer_environment(region: str) -> dict[str, str]:
    """`set -a; . deploy/regions/<region>.env; set +a; export RELAY_APP_TOKEN=...` (deploy/README.md §5)."""
    return {
        **read_env_file(ROOT / "deploy" / "regions" / f"{region}.env"),
        "RELAY_APP_TOKEN": APP_TOKEN,
        "RELAY_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


def resolve_env(value: Any, environ: dict[str, str]) -> Any:
    """The CLI's `${env:X}`: a value that is only the reference becomes the variable, or disappears when it is
    unset; inside a longer string an unset variable becomes the text "undefined". Other references
    (`${output:...}`, `${stage}`) are left to the platform."""
    if isinstance(value, dict):
        resolved = {key: resolve_env(item, environ) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not MISSING}
    if isinstance(value, list):
        return [item for item in (resolve_env(item, environ) for item in value) if item is not MISSING]
    if isinstance(value, str):
        if whole := ENV_VARIABLE.fullmatch(value):
            return environ.get(whole[1], MISSING)
        return ENV_VARIABLE.sub(lambda match: environ.get(match[1], "undefined"), value)
    return value


def component_functions(instance: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """multi-scf formatInputs + formatFaasInputs: each function's inputs, by its key. `--inputs function=KEY`
    (inputs.function) deploys that function alone."""
    inputs = instance["inputs"]
    common = {**inputs, **{key: inputs.get(key) or default for key, default in COMPONENT_DEFAULTS.items()}}
    del common["src"]
    functions = {}
    for key, own in inputs["functions"].items():
        merged = {**common, **own}  # Object.assign: a function's key replaces the shared one whole
        # `environments` (default []) always rebuilds `environment`, whatever was written there.
        merged["environment"] = {"variables": {e["key"]: e["value"] for e in merged.get("environments", [])}}
        merged["name"] = (
            merged.get("name") or f"{instance['name']}-{instance['stage']}-{instance['app']}-{key}"
        )
        if inputs.get("function") in (None, key):
            functions[key] = merged
    return functions


def function_variables(function: dict[str, Any]) -> dict[str, str]:
    """The toolkit's CreateFunction Environment.Variables: every value sent as a string."""
    return {key: str(value) for key, value in function["environment"]["variables"].items()}


def create_trigger_requests(
    instance: dict[str, Any], functions: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """multi-scf formatTriggerInputs, then the toolkit's cos/http trigger classes: the CreateTrigger calls."""
    requests = []
    for trigger in instance["inputs"].get("triggers", []):
        kind = trigger["type"]
        assert kind in TOOLKIT_TRIGGER_TYPES, f"the toolkit has no trigger type {kind!r}"
        key = trigger["function"]
        assert key in instance["inputs"]["functions"], f"Function {key} not in deploy list"
        if key not in functions:  # `--inputs function=...` names another function
            continue
        parameters = trigger["parameters"]
        request = {"Type": kind, "FunctionName": functions[key]["name"], "key": key}
        request["Qualifier"] = parameters.get("qualifier") or "$DEFAULT"
        if kind == "cos":
            assert set(parameters) <= COS_TRIGGER_KEYS, sorted(set(parameters) - COS_TRIGGER_KEYS)
            request["TriggerName"] = parameters["bucket"]
            request["TriggerDesc"] = {
                "event": parameters["events"],
                "filter": {
                    "Prefix": parameters["filter"].get("prefix", ""),
                    "Suffix": parameters["filter"].get("suffix", ""),
                },
            }
            request["Enable"] = "OPEN" if parameters.get("enable") else "CLOSE"
        elif kind == "http":
            assert set(parameters) <= HTTP_TRIGGER_KEYS, sorted(set(parameters) - HTTP_TRIGGER_KEYS)
            net = parameters.get("netConfig", {})
            request["TriggerName"] = parameters.get("name") or "url-trigger"
            request["TriggerDesc"] = {
                "AuthType": parameters.get("authType") or "NONE",
                "NetConfig": {
                    "EnableIntranet": net.get("enableIntranet", False),
                    "EnableExtranet": net.get("enableExtranet", False),
                },
            }
            request["Enable"] = "OPEN"
        elif kind == "timer":
            assert set(parameters) <= TIMER_TRIGGER_KEYS, sorted(set(parameters) - TIMER_TRIGGER_KEYS)
            request["TriggerName"] = parameters.get("name") or trigger.get("name")
            request["TriggerDesc"] = parameters.get("cronExpression")
            request["Enable"] = "OPEN" if parameters.get("enable") else "CLOSE"
        requests.append(request)
    return requests


@pytest.fixture(scope="module")
def written() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "serverless.yml").read_text())
    return loaded


@pytest.fixture(scope="module")
def written_layer() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "deploy" / "scf-layer" / "serverless.yml").read_text())
    return loaded


@pytest.fixture(scope="module", params=REGIONS)
def region(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def deployed(written, region) -> dict[str, Any]:
    """serverless.yml after the CLI resolved it in a shell that sourced the region file."""
    resolved: dict[str, Any] = resolve_env(written, deployer_environment(region))
    return resolved


@pytest.fixture(scope="module")
def functions(deployed) -> dict[str, dict[str, Any]]:
    return component_functions(deployed)


def test_every_variable_the_files_use_is_set_by_the_region_file(written, written_layer, region, deployed):
    """An unset ${env:X} is no error for the CLI: the value vanishes or reads "undefined"."""
    environ = deployer_environment(region)
    for document in (written, written_layer):
        used = set(ENV_VARIABLE.findall(yaml.safe_dump(document)))
        assert used <= set(environ), f"{region}: not set by the region file: {sorted(used - set(environ))}"
    assert "undefined" not in yaml.safe_dump(deployed)


def test_every_function_starts_with_the_deployment_settings(functions, region):
    """What each function finds in its environment on SCF passes the same check the function runs at start."""
    environ = deployer_environment(region)
    for key, function in functions.items():
        variables = function_variables(function)
        settings = Settings.from_env({**variables, **SCF_ROLE_VARIABLES})
        assert settings.region == region, key
        assert settings.bucket == environ["RELAY_BUCKET"], key
        assert settings.callback_url == environ["RELAY_CALLBACK_URL"], key
        assert settings.app_token.get_secret_value() == APP_TOKEN, key
        assert not set(variables) & set(SCF_ROLE_VARIABLES), f"{key}: SCF reserves TENCENTCLOUD_*"


def test_the_model_drops_an_environment_block_like_the_component(written, region):
    """The mistake this file once had: `environment: {variables: ...}` reaches no function."""
    inputs = {key: value for key, value in written["inputs"].items() if key != "environments"}
    inputs["environment"] = {"variables": {e["key"]: e["value"] for e in written["inputs"]["environments"]}}
    functions = component_functions(resolve_env({**written, "inputs": inputs}, deployer_environment(region)))
    assert all(function_variables(function) == {} for function in functions.values())


def test_function_names_follow_the_component_and_fit_scf(functions, region, written):
    """`${name}-${stage}-${app}-${key}` (docs/configure.md, formatScfName), within SCF's naming rule."""
    assert "name" not in written["inputs"], "a shared `name` would give every function the same name"
    for key, function in functions.items():
        assert function["name"] == f"relay-{region}-faceid-relay-{key}"
        assert SCF_FUNCTION_NAME.fullmatch(function["name"]), function["name"]


def test_function_inputs_are_documented_and_in_range(functions):
    for key, function in functions.items():
        unknown = set(function) - DOCUMENTED_FUNCTION_KEYS - {"environment"}
        assert not unknown, f"{key}: the component does not document {sorted(unknown)}"
        assert function["memorySize"] == 64 or function["memorySize"] in range(128, 3073, 128), key
        assert 1 <= function["timeout"] <= 900, key
        assert function["type"] == "event", key
        assert function["handler"] == "app.handler", key


def test_runtime_is_the_region_files_setting(functions, region, written, written_layer):
    runtime = deployer_environment(region)["SCF_RUNTIME"]
    assert runtime == DOCUMENTED_DEFAULT_RUNTIME, "the example region files keep the documented runtime"
    assert runtime in SCF_PYTHON_RUNTIMES
    assert {function["runtime"] for function in functions.values()} == {runtime}
    assert written_layer["inputs"]["runtimes"] == [written["inputs"]["runtime"]]


def test_the_layer_the_functions_name_is_the_one_the_layer_instance_publishes(
    functions, written, written_layer
):
    layer_inputs = written_layer["inputs"]
    assert LAYER_NAME.fullmatch(layer_inputs["name"])
    assert (written_layer["app"], written_layer["stage"]) == (written["app"], written["stage"])
    expected = [
        {
            "name": layer_inputs["name"],
            "version": f"${{output:${{stage}}:${{app}}:{written_layer['name']}.version}}",
        }
    ]
    assert all(function["layers"] == expected for function in functions.values())


def test_triggers_become_the_intended_create_trigger_calls(deployed, functions, region):
    requests = create_trigger_requests(deployed, functions)
    bucket = deployer_environment(region)["RELAY_BUCKET"]
    cos = [request for request in requests if request["Type"] == "cos"]
    assert [request["key"] for request in cos] == ["hash_on_upload"]
    # The TriggerName must be the bucket's XML API domain in the function's own region (CreateTrigger).
    assert cos[0]["TriggerName"] == f"{bucket}.cos.{region}.myqcloud.com"
    assert cos[0]["TriggerDesc"] == {
        "event": "cos:ObjectCreated:*",
        "filter": {"Prefix": "uploads/", "Suffix": ""},
    }
    assert cos[0]["Enable"] == "OPEN"

    urls = {request["key"]: request for request in requests if request["Type"] == "http"}
    assert set(urls) == set(functions) - {"hash_on_upload", "lifecycle_sweeper"}
    for request in urls.values():
        assert request["TriggerDesc"] == {
            "AuthType": "NONE",
            "NetConfig": {"EnableIntranet": False, "EnableExtranet": True},
        }
    (timer,) = [request for request in requests if request["Type"] == "timer"]
    # SCF cron: second minute hour day month weekday year, here every minute.
    assert (timer["key"], timer["TriggerDesc"], timer["Enable"]) == (
        "lifecycle_sweeper",
        "0 */1 * * * * *",
        "OPEN",
    )
    # The toolkit tells triggers apart by type and name: two with one name on a function would be one.
    identities = [(r["FunctionName"], r["Type"], r["TriggerName"]) for r in requests]
    assert len(identities) == len(set(identities))


def test_deploying_hash_on_upload_alone_brings_only_its_cos_trigger(deployed):
    """`scf deploy --noValidation --inputs function=hash_on_upload` (AWS deployments, deploy/README.md)."""
    alone = {**deployed, "inputs": {**deployed["inputs"], "function": "hash_on_upload"}}
    functions = component_functions(alone)
    assert list(functions) == ["hash_on_upload"]
    requests = create_trigger_requests(alone, functions)
    assert [(request["Type"], request["key"]) for request in requests] == [("cos", "hash_on_upload")]
