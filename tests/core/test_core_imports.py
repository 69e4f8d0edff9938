"""The math core stays numpy/scipy only (docs/architecture.md: no torch in bon / estimators)."""

import subprocess
import sys


def test_math_core_imports_without_torch_or_transformers():
    code = ("import sys, bonaware.bon, bonaware.estimators; "
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers')); "
            "print(heavy); sys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
