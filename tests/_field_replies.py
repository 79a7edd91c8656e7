"""Replies real H-series firmware sent (the field evidence; the H5's bytes from the registry).

Each fixture is the reply text byte for byte where the evidence quotes it so,
with its source. They are replayed by the stand-in splicer (``standin.py``) in
plain mode (the captures are of unencrypted pIds): envelope keys in alphabetical
order (a body's own in the device's order),
``"sign": ""``, ``"body": {}`` on failures, the firmware's msg tokens, and the
H5's ``"status "`` key with its trailing space.
"""

from __future__ import annotations

import json

from standin import Reply, StandIn

from openapi_magic.core._registry import bundled_registry

# A real H5, captured byte for byte (amlakhani/Broadcast-Controller-Claude's tests), as the
# evidence registry holds it: the one copy of these bytes.
_H5 = bundled_registry()
H5_SUCCESS = _H5.entry("h5-broadcast-controller#readList-ok").raw
H5_SUCCESS_BODY = json.loads(H5_SUCCESS)["body"]
# The same H5, failure, byte for byte (Broadcast-Controller-Claude's tests).
H5_ILLEGAL_PID = _H5.entry("h5-broadcast-controller#illegal-pid").raw
# 500 Server_Err in the H5's failure shape: the whole device/* module of a real H5 answers
# so with valid credentials (Broadcast-Controller); the token is excontrol's "auth" case.
H5_SERVER_ERR = '{"body":{},"msg":"Server_Err","sign":"","status ":500}'
# Status 1 Params_Error, as excontrol's H9 answered unknown paths (docs/PRESET-VISUALIZATION.md);
# the shape is the H5's failure shape, with HA's author's "status" (no trailing space).
H9_PARAMS_ERROR = '{"body":{},"msg":"Params_Error","sign":"","status":1}'
# Status 13 with its token (FIELD-EVIDENCE: "msg on failures is a short token").
PROJECT_ILLEGAL = '{"body":{},"msg":"Open_Project_Illegal_Err","sign":"","status":13}'
# main/initStatus fields as real firmware names them (FIELD-EVIDENCE: main/initStatus gives
# softwareVersion; the H9 notes run V1.9.7.1); the rest of this body is ours.
INIT_STATUS = (
    '{"body":{"initStatus":1,"mainModelId":9,"softwareVersion":"V1.9.7.1"},'
    '"msg":"","sign":"","status":0}'
)

#: Every real reply above, by name, with the status and msg it carries.
REAL_FAILURES = {
    "h5-illegal-pid": (H5_ILLEGAL_PID, 15, "Open_Id_Illegal_Err"),
    "h5-server-err": (H5_SERVER_ERR, 500, "Server_Err"),
    "h9-params-error": (H9_PARAMS_ERROR, 1, "Params_Error"),
    "project-illegal": (PROJECT_ILLEGAL, 13, "Open_Project_Illegal_Err"),
}


def replay(by_path: dict[str, str], default: str = H5_SUCCESS) -> StandIn:
    """A plain-mode stand-in answering each ``/open/api/<path>`` with its fixture text."""

    def handler(req):
        text = by_path.get(req.path.split("/open/api/", 1)[-1], default)
        return Reply(body=text.encode("utf-8"))

    s = StandIn(handler, encrypt=False, secret_key="Mzg0YjA1")  # excontrol's test key
    return s
