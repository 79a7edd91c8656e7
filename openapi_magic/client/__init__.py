"""The client: seal, POST, open, and a Result that carries what arrived.

Transport (one deadline per reply, errors translated where they happen), the
guards (read-only, confirm-before-write), profiles and the notebook's connection.
"""

from ._client import DEFAULT_TIMEOUT, MAX_TIMEOUT, Client, Prepared, Secret, precheck
from ._connection import Connection, ConnectVerdict
from ._guards import PendingWrite
from ._profiles import Profile, get_profile, load_profiles, profiles_path
from ._result import Result

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_TIMEOUT",
    "Client",
    "ConnectVerdict",
    "Connection",
    "PendingWrite",
    "Prepared",
    "Profile",
    "Result",
    "Secret",
    "get_profile",
    "load_profiles",
    "precheck",
    "profiles_path",
]
