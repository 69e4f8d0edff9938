"""bonaware: inference-aware fine-tuning for Best-of-N sampling and pass@N.

Implements Chow et al., "Inference-Aware Fine-Tuning for Best-of-N Sampling in LLMs"
(arXiv 2412.15287, ICLR 2025) and exact unbiased pass@k / BoN@k objectives beyond it.

Importing ``bonaware`` (and the math core: ``bonaware.bon``, ``bonaware.estimators``,
``bonaware.objectives``) never imports torch or transformers.
"""

__version__ = "0.1.0"

from bonaware.errors import BonawareError

__all__ = ["BonawareError", "__version__"]
