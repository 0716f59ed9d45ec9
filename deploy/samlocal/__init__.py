"""`make sam-local`: every function run by SAM CLI in its Lambda runtime emulator (Docker), against the local
cloud in a container on a Docker network of its own. Nothing here ships; see README.md, "sam local invoke"."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "faceid-relay" / "samlocal"
SAM = ROOT / ".venv-deploy" / "bin" / "sam"

# Everything the target creates carries this label, so cleaning up never touches anything else.
LABEL = "faceid-relay.samlocal"
NETWORK = "faceid-relay-samlocal"
CLOUD_CONTAINER = "faceid-relay-localcloud"
# The name the functions reach the local cloud by, on NETWORK (deploy/samlocal/sam-env.json uses it).
CLOUD_ALIAS = "localcloud"
# The same port numbers inside the container and on the host's loopback, so one URL works from both.
COS_PORT = 19000
FACEID_PORT = 19001


class SamLocalError(Exception):
    """Something `make sam-local` needs is missing; the message says what and how to get it."""
