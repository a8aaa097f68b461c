"""The loop both CLI-sweeping tests run in one subprocess: the real entry point (flows.cli.main) once per case,
capturing file descriptors 1 and 2 (so structlog, Prefect and chDB output are caught too). Callers append how the
results are written out."""

DRIVER_LOOP = r"""
import json, os, sys, tempfile
cases = json.load(open(sys.argv[1]))
from flows.cli import main
from tasks.settings import get_settings
base = dict(os.environ)
results = []
for case in cases:
    os.environ.clear(); os.environ.update(base); os.environ.update(case.get("env", {}))
    get_settings.cache_clear()
    sys.stdout.flush(); sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    os.dup2(out.fileno(), 1); os.dup2(err.fileno(), 2)
    try:
        try:
            rc = main(case["argv"])
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 2
        except BaseException as e:
            rc = f"raised {type(e).__name__}: {e}"
    finally:
        sys.stdout.flush(); sys.stderr.flush()
        os.dup2(saved[0], 1); os.dup2(saved[1], 2)
        os.close(saved[0]); os.close(saved[1])
    out.seek(0); err.seek(0)
    results.append({"argv": case["argv"], "env": case.get("env", {}), "rc": rc,
                    "stdout": out.read().decode("utf-8", "replace"), "stderr": err.read().decode("utf-8", "replace")})
"""
