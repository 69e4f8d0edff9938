"""Best-of-N-aware GRPO with TRL: ``trl.GRPOTrainer`` whose advantages are a bonaware objective's weights.

Runs as is on a CPU with the embedded ``tiny`` model (built into ~/.cache/bonaware on first use), on the
``arith`` task with the task's checker as the 0/1 reward R and a noisy verifier score r that ranks samples
for Best-of-N (docs/integrations.md):

    python examples/trl_bon_grpo.py                                   # bon_at_k, 20 steps, CPU
    python examples/trl_bon_grpo.py --objective pass_at_k --objective_args k=4,baseline=loo-1 --max_steps 5

Every ``GRPOConfig`` field is a flag too (``--learning_rate``, ``--num_generations`` ...), and ``--config
file.yaml`` sets several (TRL's ``TrlParser``). On GPUs, generate with vLLM (``pip install 'bonaware[vllm]'``)
and scale out with accelerate (configs/accelerate/):

    accelerate launch --config_file configs/accelerate/multi_gpu.yaml examples/trl_bon_grpo.py \\
        --model smollm2-135m --bf16 --use_vllm --vllm_mode colocate --vllm_gpu_memory_utilization 0.3 \\
        --num_generations 16 --per_device_train_batch_size 64 --max_completion_length 128 --max_steps 500

``advantage_scale = num_generations · max_completion_length`` with ``loss_type=dr_grpo`` makes TRL's
gradient the one ``bonaware train`` takes (integrations/trl.py). TRL's logs (``reward``,
``frac_reward_zero_std``, the completions table) show what is trained on: R and the objective's advantages.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BoNArguments:
    """What to train and with which bonaware objective (the rest is ``GRPOConfig``)."""

    model: str = field(default="tiny", metadata={"help": "embedded model name (tiny, smollm2-135m) or a model folder"})
    task: str = field(default="arith", metadata={"help": "bonaware task (see `bonaware tasks`)"})
    task_args: str = field(default="", metadata={"help": "task options as key=value pairs, e.g. families=add1"})
    num_prompts: int = field(default=512, metadata={"help": "training problems drawn from the task's train split"})
    objective: str = field(default="bon_at_k", metadata={"help": "bonaware objective (docs/objectives/)"})
    objective_args: str = field(default="baseline=loo-1",
                                metadata={"help": "objective parameters as key=value pairs; k defaults to "
                                                  "num_generations for pass_at_k / bon_at_k"})
    verifier: str = field(default="noisy:target_auc=0.85",
                          metadata={"help": "verifier whose score r ranks samples (bon_at_k, bon_rl_v); "
                                            "'none' ranks by the reward R"})


def main(argv: list[str] | None = None):
    import datasets
    from trl import GRPOConfig, TrlParser

    from bonaware.config import parse_kv
    from bonaware.integrations.trl import BoNAwareGRPOTrainer, problems_dataset, verifier_reward_fn
    from bonaware.models import load_model
    from bonaware.objectives import objective_info
    from bonaware.tasks import get_task

    parser = TrlParser((BoNArguments, GRPOConfig))
    # CPU-sized defaults on the tiny model; flags and --config override them
    parser.set_defaults_with_config(
        output_dir="runs/trl_bon_grpo", num_generations=8, per_device_train_batch_size=32, max_completion_length=8,
        max_steps=20, learning_rate=3e-4, loss_type="dr_grpo", beta=0.0, logging_steps=1, report_to="none",
        save_strategy="no", temperature=1.0, dataloader_num_workers=0)
    bon, args = parser.parse_args_and_config(argv)

    task = get_task(bon.task, **parse_kv(bon.task_args, "--task_args"))
    # loaded on the CPU: the Trainer places it (one GPU per process under accelerate launch)
    model, tok = load_model(bon.model, device="cpu", dtype="bfloat16" if args.bf16 else None)
    problems = task.problems("train", n=bon.num_prompts, seed=args.seed)
    train = datasets.Dataset.from_list(problems_dataset(task, "train", n=bon.num_prompts, seed=args.seed,
                                                        tokenizer=tok))
    reward_funcs = [verifier_reward_fn(task, "oracle", "correct", problems=problems)]  # R at index 0
    score_index = None
    if bon.verifier != "none":
        reward_funcs.append(verifier_reward_fn(task, bon.verifier, "score", problems=problems))  # r at index 1
        score_index = 1
    kwargs = parse_kv(bon.objective_args, "--objective_args")
    if "k" in objective_info(bon.objective).params:
        kwargs.setdefault("k", args.num_generations)
    trainer = BoNAwareGRPOTrainer(
        model=model, processing_class=tok, train_dataset=train, reward_funcs=reward_funcs, args=args,
        objective=bon.objective, objective_kwargs=kwargs, score_index=score_index,
        advantage_scale=args.num_generations * args.max_completion_length)
    trainer.train()
    trainer.save_model(args.output_dir)
    if trainer.accelerator.is_main_process:
        last = trainer.state.log_history[-2] if len(trainer.state.log_history) > 1 else {}
        print(f"trained {trainer.state.global_step} steps with {bon.objective} {kwargs}; last logged reward "
              f"{last.get('reward')}, frac_reward_zero_std {last.get('frac_reward_zero_std')}; "
              f"model in {args.output_dir}")
    return trainer


if __name__ == "__main__":
    main()
