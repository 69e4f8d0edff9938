#!/usr/bin/env bash
# Experiment 4 — verifier-quality ablation (a check the paper left open), tiny model, about 6.5 min.
# BoN-RL-V (N'=8) trained *and* evaluated with one verifier each: noisy verifiers of ROC-AUC 0.6, 0.75,
# 0.9, the exact checker (AUC 1.0) and the learned verifier of experiment 2. Every model is scored by
# every verifier; each report compares base vs the model trained with that report's verifier.
source "$(dirname "$0")/../common.sh"
OUT=$RUNS/04_verifier_quality
DATA=$RESULTS/04_verifier_quality/data   # eval runs; their samples.npz.xz is committed (experiments/README.md, Data)
bash experiments/02_bon_rl_v_learned/run.sh > /dev/null   # the learned verifier (cached)
LEARNED="learned:path=$RUNS/02_bon_rl_v_learned/verifier"
ALL="noisy:target_auc=0.6,noisy:target_auc=0.75,noisy:target_auc=0.9,oracle,$LEARNED"
evaluate "$DATA/base" --config experiments/tiny_eval.yaml --verifier "$ALL" --name base
for v in noisy:target_auc=0.6 noisy:target_auc=0.75 noisy:target_auc=0.9 oracle "$LEARNED"; do
  case $v in learned*) tag=learned;; oracle) tag=auc1.0;; *) tag=auc${v##*=};; esac
  train "$OUT/train/$tag" --config experiments/tiny_train.yaml --method bon_rl_v --n_prime 8 --verifier "$v"
  evaluate "$DATA/$tag" --config experiments/tiny_eval.yaml --verifier "$ALL" \
    --model "$OUT/train/$tag/final" --name "bon_rl_v [$tag]"
  report "$RESULTS/04_verifier_quality/$tag" "$DATA/base" "$DATA/$tag" --verifier "$v"
done
# every model under every verifier: does it matter which verifier a model was trained with?
for k in 8 32; do
  write_to "$RESULTS/04_verifier_quality/matrix_bo$k.md" "$PYTHON" experiments/04_verifier_quality/matrix.py "$DATA" --k $k
done
finish
