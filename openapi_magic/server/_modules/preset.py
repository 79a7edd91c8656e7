"""The ``preset/*`` interfaces (Presets) of the simulated splicer: handlers by catalog path.

Mixed into :class:`..state.DeviceState`, whose state and lookups they share.
"""

from __future__ import annotations

from .._model import _TEMPLATES, INVALID, VendorError, _handles, _ids, _Screen
from ._base import DeviceBase

__all__ = ["PresetsHandlers"]


class PresetsHandlers(DeviceBase):
    """The ``preset/*`` handlers (see the catalog for each interface's fields)."""

    @_handles("preset/readList")
    def _preset_read_list(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        return {
            "deviceId": b.get("deviceId", 0),
            "screenId": screen.screen_id,
            "presets": [
                {"presetId": p["presetId"], "name": p["name"]} for p in screen.presets.values()
            ],
        }

    @_handles("preset/readPlay")
    def _preset_read_play(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        return {"screenId": screen.screen_id, "presetId": screen.playing}

    @_handles("preset/play")
    def _preset_play(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        self._preset(screen, b["presetId"])
        self._play(screen, b["presetId"])
        self._refresh_used()

    @_handles("preset/readDetail")
    def _preset_read_detail(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        preset = self._preset(screen, b["presetId"])
        return {
            "deviceId": b.get("deviceId", 0),
            "screenId": screen.screen_id,
            "presetId": preset["presetId"],
            "name": preset["name"],
            "layers": [self._layer_view(lay) for lay in preset["layers"]],
        }

    @_handles("preset/createPreset")
    def _preset_create(self, b: dict) -> dict:
        screen = self._screen(b["screenId"])
        same = [p for p in screen.presets.values() if p["name"] == b["name"]]
        if same and not b.get("overWrite", 0):
            raise VendorError(
                INVALID,
                f"a preset named {b['name']!r} already exists on screen "
                f"{screen.screen_id} (overWrite 1 replaces it)",
            )
        # The vendor page: a string, "" = none (take the current layers); we know "0".."3".
        template = str(b.get("layoutTemplateId", "")).strip()
        if template.isdigit() and int(template) in _TEMPLATES:
            layers = [
                self._layer_spec(screen, n, frac, None)
                for n, frac in enumerate(_TEMPLATES[int(template)])
            ]
        else:
            layers = self._snapshot(screen)
        pid = same[0]["presetId"] if same else max(screen.presets, default=-1) + 1
        screen.presets[pid] = {"presetId": pid, "name": b["name"], "layers": layers}
        return {"presetId": pid}

    @_handles("preset/overWrite")
    def _preset_over_write(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        self._preset(screen, b["presetId"])["layers"] = self._snapshot(screen)

    @_handles("preset/writeGeneral")
    def _preset_write_general(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        self._preset(screen, b["presetId"])["name"] = b["name"]

    def _forget_presets(self, screen: _Screen, ids: set[int]) -> None:
        if screen.playing in ids:
            screen.playing = -1
        for group in self._preset_groups.values():
            group["presets"] = [
                n
                for n in group["presets"]
                if not (n["screenId"] == screen.screen_id and n["presetId"] in ids)
            ]

    @_handles("preset/deletePreset")
    def _preset_delete(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        self._preset(screen, b["presetId"])
        del screen.presets[b["presetId"]]
        self._forget_presets(screen, {b["presetId"]})

    @_handles("preset/deleteAll")
    def _preset_delete_all(self, b: dict) -> None:
        screen = self._screen(b["screenId"])
        ids = set(screen.presets)
        screen.presets = {}
        self._forget_presets(screen, ids)

    def _preset_group(self, group_id: int) -> dict:
        try:
            return self._preset_groups[group_id]
        except KeyError:
            raise VendorError(
                INVALID,
                f"presetGroupId {group_id} does not exist (groups are {_ids(self._preset_groups)})",
            ) from None

    def _preset_nodes(self, nodes: list[dict]) -> list[dict]:
        for node in nodes:
            self._preset(self._screen(node["screenId"]), node["presetId"])
        return [{"screenId": n["screenId"], "presetId": n["presetId"]} for n in nodes]

    @_handles("preset/groupList")
    def _preset_group_list(self, b: dict) -> dict:
        return {
            "deviceId": b.get("deviceId", 0),
            "presetGroups": [
                {
                    "presetGroupId": g["presetGroupId"],
                    "presetGroupName": g["presetGroupName"],
                    "interval": g["interval"],
                    "presetCount": len(g["presets"]),
                }
                for g in self._preset_groups.values()
            ],
        }

    @_handles("preset/groupNodeList")
    def _preset_group_node_list(self, b: dict) -> dict:
        group = self._preset_group(b["presetGroupId"])
        nodes = [
            {**n, "name": self._screens[n["screenId"]].presets[n["presetId"]]["name"]}
            for n in group["presets"]
        ]
        return {
            "deviceId": b.get("deviceId", 0),
            "presetGroupId": group["presetGroupId"],
            "presets": nodes,
        }

    @_handles("preset/groupCreate")
    def _preset_group_create(self, b: dict) -> dict:
        # meros: {screenId, name, time}; ours: {presetGroupName, presets[], interval}.
        name = b.get("name", b.get("presetGroupName"))
        if name is None:
            raise VendorError(INVALID, "name is required")
        if "screenId" in b:
            self._screen(b["screenId"])
        nodes = self._preset_nodes(b.get("presets", []))
        gid = max(self._preset_groups, default=-1) + 1
        self._preset_groups[gid] = {
            "presetGroupId": gid,
            "presetGroupName": name,
            "interval": b.get("time", b.get("interval", 10)),
            "presets": nodes,
        }
        return {"presetGroupId": gid}

    @_handles("preset/groupUpdate")
    def _preset_group_update(self, b: dict) -> None:
        if "presetGroupId" in b:
            group = self._preset_group(b["presetGroupId"])
        else:  # meros's body names no id: the group called ``name``
            named = [
                g for g in self._preset_groups.values() if g["presetGroupName"] == b.get("name")
            ]
            if not named:
                raise VendorError(INVALID, "presetGroupId is required (or the name of a group)")
            group = named[0]
        if "screenId" in b:
            self._screen(b["screenId"])
        if "presets" in b:
            group["presets"] = self._preset_nodes(b["presets"])
        for key, ours in (
            ("name", "presetGroupName"),
            ("time", "interval"),
            ("presetGroupName", "presetGroupName"),
            ("interval", "interval"),
        ):
            if key in b:
                group[ours] = b[key]

    @_handles("preset/groupDelete")
    def _preset_group_delete(self, b: dict) -> None:
        self._preset_group(b["presetGroupId"])
        del self._preset_groups[b["presetGroupId"]]
        if self._poll["presetGroupId"] == b["presetGroupId"]:
            self._poll = {"presetGroupId": -1, "enable": 0}

    @_handles("preset/presetPoll")
    def _preset_poll(self, b: dict) -> None:
        self._preset_group(b["presetGroupId"])
        self._poll = {"presetGroupId": b["presetGroupId"], "enable": b["enable"]}

    @_handles("preset/readPresetPoll")
    def _preset_read_poll(self, b: dict) -> dict:
        return {"deviceId": b.get("deviceId", 0), **self._poll}
