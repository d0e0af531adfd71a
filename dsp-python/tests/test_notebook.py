"""examples/quickstart.ipynb runs from top to bottom (nbclient) and says
what the committed outputs say."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_quickstart_notebook_executes():
    nb = nbformat.read(EXAMPLES / "quickstart.ipynb", as_version=4)
    committed = [c.outputs for c in nb.cells if c.cell_type == "code"]
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    text = "\n".join(o.get("text", "") for c in code for o in c.outputs if o.output_type == "stream")
    assert "-14.0 LUFS" in text
    html = [o["data"]["text/html"] for c in code for o in c.outputs if "text/html" in o.get("data", {})]
    assert any("PASS" in h or "FAIL" in h for h in html)
    images = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 3  # EQ response, loudness, spectrum
    # The committed notebook carries its outputs: each code cell has as many as a fresh run.
    assert [len(o) for o in committed] == [len(c.outputs) for c in code]
