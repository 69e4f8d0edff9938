"""Adapters that use bonaware objectives inside other RL frameworks (docs/integrations.md).

* :mod:`bonaware.integrations.trl` — ``BoNAwareGRPOTrainer`` (needs ``trl``).
* :mod:`bonaware.integrations.verl` — ``bonaware_<objective>`` advantage estimators (verl optional).
"""
