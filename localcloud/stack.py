"""The whole local cloud in one process: COS and FaceID emulators, the gateway with every function,
and the demo app. `make dev` and the integration tests start it; nothing here ships."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qcloud_cos import CosConfig, CosS3Client
from starlette.responses import FileResponse
from starlette.routing import Route

from deploy.bucket import lifecycle
from localcloud import accounts
from localcloud.clock import Clock
from localcloud.cos import BucketConfig, CorsRule, CosEmulatorConfig, NotificationRule
from localcloud.cos import create_app as create_cos_app
from localcloud.faceid import FaceIdEmulatorConfig
from localcloud.faceid import create_app as create_faceid_app
from localcloud.gateway import EVENT_FUNCTIONS, ROUTES, EventShape, load_handler
from localcloud.gateway import create_app as create_gateway_app
from localcloud.scheduler import Scheduler
from localcloud.server import BackgroundServer, free_port
from localcloud.webhooks import RECEIVER_PATH, WEBHOOK_SECRET, WebhookReceiver

APP_TOKEN = "local-dev-app-token-000000000000000000"
API_DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
FACEID_RESOURCE_APPID = "1254418846"


def faceid_resource_bucket(region: str) -> str:
    """FaceID's own bucket per region (CreateUploadUrl, sequences, best frames), as in the doc examples."""
    return f"faceid-resource-{region.removeprefix('ap-')}-{FACEID_RESOURCE_APPID}"


@dataclass
class StackOptions:
    region: str = "ap-singapore"
    shape: EventShape = EventShape.SCF_URL
    flavor: str = "live"
    data_dir: Path = Path(".localcloud")
    # Where the servers listen. Their URLs stay on 127.0.0.1: in a container with the same ports published
    # on the host's loopback (`make sam-local`), those URLs work inside the container and on the host alike.
    listen_host: str = "127.0.0.1"
    cos_port: int = 0
    faceid_port: int = 0
    gateway_port: int = 0
    notification_deliveries: int = 1
    credentials: accounts.KeyPair = accounts.TEMPORARY
    with_gateway: bool = True
    # None: the local receiver on the gateway (/_webhooks); else where the functions send webhooks.
    webhook_url: str | None = None
    # How often the scheduler runs the sweeper (seconds, as SCF's timer trigger would); 0: never.
    sweep_every: float = 60
    # The developer's own app (e.g. http://localhost:3000): where verifications may return to, and which
    # origins may call the API and PUT to the bucket from a browser. The gateway's own origin always may.
    return_origins: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    extra_env: Mapping[str, str] = field(default_factory=dict)


class Stack:
    """Starts the servers on loopback and wires them: COS notifies the gateway, FaceID downloads from COS."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.clock = Clock()
        self.cos_port = options.cos_port or free_port()
        self.faceid_port = options.faceid_port or free_port()
        self.gateway_port = options.gateway_port or free_port()
        self.cos_url = f"http://127.0.0.1:{self.cos_port}"
        self.faceid_url = f"http://127.0.0.1:{self.faceid_port}"
        self.gateway_url = f"http://127.0.0.1:{self.gateway_port}"
        self.bucket = accounts.app_bucket(options.region)
        self.webhook_url = options.webhook_url or f"{self.gateway_url}{RECEIVER_PATH}"
        self.webhooks = WebhookReceiver()
        self.function_keys = accounts.function_keys(options.region)
        # SCF functions sign with their role's temporary key, Lambda functions with a sub-user's (sam local).
        self.keys = [
            *accounts.KEYS,
            *self.function_keys.values(),
            *accounts.sub_user_keys(options.region).values(),
        ]
        self._servers: list[BackgroundServer] = []
        self._scheduler: Scheduler | None = None

    def function_env(self, function: str | None = None) -> dict[str, str]:
        """The environment a deployment in this region would give a function: with its own role's key when
        `function` is named, else with `options.credentials`."""
        creds = self.function_keys[function] if function else self.options.credentials
        env = {
            "RELAY_REGION": self.options.region,
            "RELAY_BUCKET": self.bucket,
            "RELAY_ALLOWED_RETURN_ORIGINS": ",".join((self.gateway_url, *self.options.return_origins)),
            "RELAY_CALLBACK_URL": f"{self.gateway_url}/callback",
            "RELAY_API_FLAVOR": self.options.flavor,
            "RELAY_APP_TOKEN": APP_TOKEN,
            "RELAY_COS_ENDPOINT": self.cos_url,
            "RELAY_COS_PUBLIC_BASE_URL": self.cos_url,
            "RELAY_FACEID_ENDPOINT": self.faceid_url,
            "RELAY_WEBHOOK_URL": self.webhook_url,
            "RELAY_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "TENCENTCLOUD_SECRETID": creds.secret_id,
            "TENCENTCLOUD_SECRETKEY": creds.secret_key,
            "POWERTOOLS_SERVICE_NAME": "faceid-relay",
            "POWERTOOLS_METRICS_NAMESPACE": "FaceIdRelay",
        }
        if creds.token:
            env["TENCENTCLOUD_SESSIONTOKEN"] = creds.token
        if self.options.cors_origins:
            env["RELAY_CORS_ORIGINS"] = ",".join(self.options.cors_origins)
        env.update(self.options.extra_env)
        return env

    def _cos_config(self) -> CosEmulatorConfig:
        region = self.options.region
        app_bucket = BucketConfig(
            name=self.bucket,
            region=region,
            cors=[
                CorsRule(
                    allowed_origins=[self.gateway_url, *self.options.cors_origins],
                    allowed_methods=["PUT", "GET", "HEAD"],
                    allowed_headers=[
                        "content-type",
                        "content-md5",
                        "x-cos-forbid-overwrite",
                        "x-cos-server-side-encryption",
                        "x-cos-acl",
                    ],
                )
            ],
            notifications=[
                NotificationRule(
                    target_url=f"{self.gateway_url}/_invoke/hash_on_upload",
                    events=["cos:ObjectCreated:*"],
                    prefix="uploads/",
                    deliveries=self.options.notification_deliveries,
                )
            ],
        )
        resource_buckets = [BucketConfig(name=faceid_resource_bucket(r), region=r) for r in accounts.REGIONS]
        return CosEmulatorConfig(
            data_dir=self.options.data_dir / "cos",
            keys=self.keys,
            buckets=[app_bucket, *resource_buckets],
        )

    def _faceid_config(self) -> FaceIdEmulatorConfig:
        return FaceIdEmulatorConfig(
            keys=self.keys,
            cos_endpoint=self.cos_url,
            resource_buckets={r: faceid_resource_bucket(r) for r in accounts.REGIONS},
            cos_key=accounts.PERMANENT,
            cos_public_base_url=self.cos_url,
            public_base_url=self.faceid_url,
        )

    def start(self) -> "Stack":
        cos = create_cos_app(self._cos_config(), clock=self.clock)
        faceid = create_faceid_app(self._faceid_config(), clock=self.clock)
        host = self.options.listen_host
        self._servers.append(BackgroundServer(cos, self.cos_port, host).start())
        self._servers.append(BackgroundServer(faceid, self.faceid_port, host).start())
        self._apply_bucket_rules()
        if self.options.with_gateway:
            # Each function reads its settings (and so its own key) once, when it is loaded.
            functions = [*(r.function for r in ROUTES), *EVENT_FUNCTIONS]
            handlers = {name: load_handler(name, self.function_env(name)) for name in functions}
            from localcloud.demo import demo_routes

            # The published API document beside the API, for tools such as Swagger UI (a deployment has none).
            api_document = Route("/openapi.json", lambda _: FileResponse(API_DOCUMENT), methods=["GET"])
            gateway = create_gateway_app(
                self.options.shape,
                handlers,
                [
                    *demo_routes(self.gateway_url, APP_TOKEN, self.webhooks),
                    *self.webhooks.routes(),
                    api_document,
                ],
            )
            self._servers.append(BackgroundServer(gateway, self.gateway_port, host).start())
            if self.options.sweep_every > 0:
                self._scheduler = Scheduler(
                    f"{self.gateway_url}/_invoke/lifecycle_sweeper", self.options.sweep_every
                ).start()
        return self

    def _apply_bucket_rules(self) -> None:
        """The bucket's lifecycle, applied with the SDK call `python -m deploy.bucket` makes in production."""
        endpoint = urlsplit(self.cos_url)
        client = CosS3Client(
            CosConfig(
                Region=self.options.region,
                SecretId=accounts.PERMANENT.secret_id,
                SecretKey=accounts.PERMANENT.secret_key,
                Scheme=endpoint.scheme,
                IP=endpoint.hostname,
                Port=endpoint.port,
            )
        )
        client.put_bucket_lifecycle(Bucket=self.bucket, LifecycleConfiguration=lifecycle({}))

    def endpoints(self) -> dict[str, Any]:
        endpoints: dict[str, Any] = {"cos": self.cos_url, "faceid": self.faceid_url, "bucket": self.bucket}
        if self.options.with_gateway:
            endpoints.update(
                gateway=self.gateway_url,
                demo=f"{self.gateway_url}/demo/",
                openapi=f"{self.gateway_url}/openapi.json",
                app_token=APP_TOKEN,
                webhook_url=self.webhook_url,
                webhook_secret=WEBHOOK_SECRET,
            )
        return endpoints

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.stop()
        for server in reversed(self._servers):
            server.stop()
        self._servers.clear()
