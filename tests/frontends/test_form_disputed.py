"""The form's amber "disputed" beside a field is explained where it shows (issue 25)."""

from __future__ import annotations

import html as _html

from openapi_magic.frontends._form import RequestForm


def test_disputed_device_id_says_why_in_a_title_and_a_line(splicer):
    from openapi_magic import Client

    form = RequestForm(Client.from_splicer(splicer), interface="screen/writeBrightness")
    try:
        shown = form._rows["deviceId"].help.value
    finally:
        form.close()
    assert ">disputed</span>" in shown
    title = _html.unescape(shown.split('title="', 1)[1].split('"', 1)[0])
    assert title.startswith("Disputed: the sources disagree about this field.")
    assert "deviceId 0 vs 1" in title
    line = shown.split('class="openapi-magic-form-disputed"', 1)[1]
    assert "disputed: deviceId 0 vs 1 is ambiguous" in _html.unescape(line)
