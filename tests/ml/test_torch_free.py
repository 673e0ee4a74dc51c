"""The parts of ml/ that the web side imports stay free of torch (importing it costs ~3.5 s
and gigabytes): the callbacks protocol, the run recorder, the ETA estimator and the manifest."""

import subprocess
import sys


def test_callbacks_records_and_eta_import_without_torch() -> None:
    code = (
        "import sys, ml.callbacks, ml.records, ml.eta, ml.manifest; print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
