"""Running SeaweedFS for the archive: the managed ``weed mini``, its ports, secrets and supervisor."""

from storage.seaweed.mini import SAFE_FLAGS, ManagedSeaweedFS
from storage.seaweed.ports import ADMIN_GRPC_OFFSET, HOST, PORT_FLAGS, pick_ports
from storage.seaweed.process import find_weed

__all__ = ["ADMIN_GRPC_OFFSET", "HOST", "PORT_FLAGS", "SAFE_FLAGS", "ManagedSeaweedFS", "find_weed", "pick_ports"]
