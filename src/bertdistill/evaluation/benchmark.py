"""Speed and size of models side by side: parameters, size on disk, latency at batch 1, throughput at
larger batches, peak GPU memory; every model's speed-up over the teacher measured in the same run.

Fairness: every model gets the same synthetic batches (random word-piece ids of exactly the requested
length, seeded; pairs split in the middle), warm-up passes, then `repeats` rounds in which the models
run one after another (interleaved), so drift of the machine hits all of them alike; the median round
is reported. On a GPU every timed pass ends with `torch.cuda.synchronize()` and peak memory is the
allocator's; on a CPU it is the peak resident memory of a fresh process that loads the model and runs
one batch of the largest shape, minus that of a process that loaded the same libraries and no model. A BERT-base reference
(random weights, the architecture is what matters for speed) is included unless turned off.
"""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from bertdistill.config import Config, setting
from bertdistill.devices import resolve_device
from bertdistill.errors import ModelError
from bertdistill.evaluation.speed import count_parameters
from bertdistill.model_config import check_positions
from bertdistill.teachers.loading import (
    load_config,
    load_encoder,
    load_fine_tuned,
    resolve_model_path,
    task_spec_of,
)

BERT_BASE = "bert-base (random weights)"


def _peak_rss_child(spec: tuple[str, str, str | None, int, int, bool], queue) -> None:
    """In a fresh process: load one model (or nothing), run one batch, report the peak RSS in MiB."""
    name, backend, onnx_path, batch_size, length, is_pair = spec
    if backend.startswith("onnx"):
        import onnxruntime  # noqa: F401  (the baseline of ONNX rows includes the runtime library)
    if onnx_path:
        from bertdistill.serving import onnx_session

        session = onnx_session(onnx_path)
        names = [node.name for node in session.get_inputs()]
        candidate = Candidate(name, backend, lambda batch: session.run(None, {k: batch[k] for k in names}),
                              _onnx_vocab_size(onnx_path), is_pair, {}, None, "cpu")
        candidate.run(make_batch(candidate, batch_size, length, np.random.default_rng(0)))
    elif name:
        if name == BERT_BASE:
            from transformers import BertConfig, BertForSequenceClassification

            model = BertForSequenceClassification(BertConfig(num_labels=2))
        else:
            model = load_benchmark_model(name)[0]
        candidate = torch_candidate(name, model, model.get_input_embeddings().num_embeddings, is_pair, None)
        candidate.run(make_batch(candidate, batch_size, length, np.random.default_rng(0)))
    queue.put(peak_rss_mib())


def _onnx_vocab_size(path: str) -> int:
    """Rows of the largest 2-D initializer that feeds a Gather (the word-piece embedding matrix)."""
    import onnx

    graph = onnx.load(path, load_external_data=False).graph
    gathered = {node.input[0] for node in graph.node if node.op_type == "Gather"}
    shapes = [tuple(tensor.dims) for tensor in graph.initializer if tensor.name in gathered and len(tensor.dims) == 2]
    return max(shape[0] for shape in shapes) if shapes else 1000


def peak_rss_mib() -> float:
    """This process's peak resident memory. Linux: VmHWM, which a new process starts afresh (ru_maxrss
    would carry the parent's peak across fork and exec)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # macOS: bytes


def cpu_peak_memory(candidates: list[Candidate], batch_size: int, length: int) -> dict[tuple[str, str], float]:
    """Peak resident memory of each model (weights + one batch) above an empty process, in MiB: each
    measured in its own fresh process, since a process's peak only grows."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")

    def measure(spec: tuple[str, str, str | None, int, int, bool]) -> float:
        queue = context.Queue()
        process = context.Process(target=_peak_rss_child, args=(spec, queue))
        process.start()
        value = queue.get(timeout=600)
        process.join()
        return value

    baselines = {kind: measure(("", kind, None, batch_size, length, False)) for kind in ("torch", "onnx")
                 if any(c.backend.startswith(kind) for c in candidates)}
    return {(c.name, c.backend): round(measure((c.name, c.backend, c.onnx_path, batch_size, length, c.is_pair))
                                       - baselines["onnx" if c.backend.startswith("onnx") else "torch"], 1)
            for c in candidates}


@dataclasses.dataclass
class BenchmarkConfig(Config):
    models: tuple[str, ...] = setting(help="fine-tuned model folders")
    teacher: str | None = setting(None, help="the model every speed-up is measured against")
    batch_sizes: tuple[int, ...] = setting((1, 32, 128), help="batch sizes timed", minimum=1, commas=True)
    seq_lengths: tuple[int, ...] = setting((32, 128), help="sequence lengths timed (word pieces)", minimum=1,
                                           commas=True)
    backend: Literal["torch", "onnx", "all"] = setting("torch", help="onnx: exported fp32 and int8 models "
                                                       "through ONNX Runtime (CPU)")
    repeats: int = setting(5, help="timed repeats per cell (the median is kept)", minimum=1)
    examples_per_pass: int = setting(128, help="each timed pass runs at least this many examples (and at least "
                                     "two batches)", minimum=1)
    bert_base: bool = setting(True, help="a BERT-base reference row")
    cpu_memory: bool = setting(True, flag="--memory", help="CPU peak memory per model, each in a fresh process "
                               "(at the largest shape)")
    seed: int = setting(0, help="seed of the random inputs", minimum=0)


@dataclasses.dataclass
class Candidate:
    name: str
    backend: str
    run: Callable[[dict[str, np.ndarray]], Any]
    vocab_size: int
    is_pair: bool
    parameters: dict[str, int]
    size_bytes: int | None
    device: str
    onnx_path: str | None = None


def folder_size(path: str) -> int | None:
    folder = Path(resolve_model_path(path))
    if not folder.is_dir():
        return None
    return sum(file.stat().st_size for file in folder.glob("*.safetensors"))


def torch_candidate(name: str, model: torch.nn.Module, vocab_size: int, is_pair: bool, size: int | None) -> Candidate:
    device = resolve_device()
    model.to(device).eval()

    @torch.inference_mode()
    def run(batch: dict[str, np.ndarray]) -> Any:
        return primary_output(model(**{key: torch.from_numpy(value).to(device) for key, value in batch.items()}))

    return Candidate(name, "torch", run, vocab_size, is_pair, count_parameters(model), size, device.type)


def onnx_candidates(name: str, model_dir: str, vocab_size: int, is_pair: bool, workdir: Path) -> list[Candidate]:
    import onnx

    from bertdistill.export.onnx import export_onnx
    from bertdistill.serving import onnx_session

    record = export_onnx(model_dir, workdir / f"{len(list(workdir.iterdir()))}.onnx", quantize="int8")
    candidates = []
    for label, path in (("onnx", record["onnx"]), ("onnx-int8", record["int8"])):
        session = onnx_session(path)
        names = [node.name for node in session.get_inputs()]
        parameters = sum(int(np.prod(tensor.dims)) for tensor in onnx.load(path).graph.initializer)

        def run(batch: dict[str, np.ndarray], session=session, names=names) -> Any:
            return session.run(None, {key: batch[key] for key in names})

        candidates.append(Candidate(name, label, run, vocab_size, is_pair,
                                    {"parameters": parameters, "parameters_without_embeddings": None},
                                    Path(path).stat().st_size, "cpu", onnx_path=str(path)))
    return candidates


def load_benchmark_model(name: str) -> tuple[torch.nn.Module, bool | None]:
    """A fine-tuned model with its task (is it a pair task?), or a general encoder (a general student, the
    teacher itself, any Hugging Face encoder): (model, is_pair), is_pair None for an encoder."""
    if task_spec_of(load_config(name)) is None:
        return load_encoder(name), None
    model, spec = load_fine_tuned(name)
    return model, spec.is_pair


def primary_output(outputs: Any) -> torch.Tensor:
    """What a model is used for: logits, a general student's sentence vector, or an encoder's states."""
    for key in ("logits", "sentence_embedding", "last_hidden_state"):
        value = getattr(outputs, key, None)
        if value is not None:
            return value
    raise ModelError("the model returned none of logits, sentence_embedding or last_hidden_state")


def load_candidates(config: BenchmarkConfig, workdir: Path) -> list[Candidate]:
    names = ([config.teacher] if config.teacher else []) + [m for m in config.models if m != config.teacher]
    candidates = []
    models = {name: load_benchmark_model(name) for name in names}
    for name, (model, _) in models.items():   # a Transformer reads at most its positions
        check_positions(max(config.seq_lengths), model.config, name, "--seq-lengths")
    if config.backend != "torch" and any(is_pair is None for _, is_pair in models.values()):
        raise ModelError("--backend onnx/all times fine-tuned models; general encoders run with --backend torch "
                         "(their ONNX export is not available yet)")
    for name, (model, is_pair) in models.items():
        vocab_size = model.get_input_embeddings().num_embeddings
        if config.backend in ("torch", "all") or name == config.teacher:
            candidates.append(torch_candidate(name, model, vocab_size, bool(is_pair), folder_size(name)))
        if config.backend in ("onnx", "all"):
            candidates += onnx_candidates(name, name, vocab_size, bool(is_pair), workdir)
    if config.bert_base:
        from transformers import BertConfig, BertForSequenceClassification

        is_pair = bool(models[names[0]][1]) if names else False
        torch.manual_seed(config.seed)
        reference = BertForSequenceClassification(BertConfig(num_labels=2))
        candidates.append(torch_candidate(BERT_BASE, reference, reference.config.vocab_size, is_pair, None))
    return candidates


def make_batch(candidate: Candidate, batch_size: int, length: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    ids = rng.integers(5, candidate.vocab_size, size=(batch_size, length), dtype=np.int64)    # (B, T)
    token_types = np.zeros_like(ids)
    if candidate.is_pair:
        token_types[:, length // 2 :] = 1  # two segments, so a siamese student encodes two sentences
    return {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": token_types}


def timed_pass(candidate: Candidate, batches: list[dict[str, np.ndarray]]) -> float:
    """Seconds per batch over one pass."""
    start = time.perf_counter()
    for batch in batches:
        candidate.run(batch)
    if candidate.device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / len(batches)


def benchmark(config: BenchmarkConfig, progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as workdir:
        candidates = load_candidates(config, Path(workdir))
        rows = []
        for length in config.seq_lengths:
            for batch_size in config.batch_sizes:
                progress(f"sequence length {length}, batch {batch_size}")
                passes = max(2, -(-config.examples_per_pass // batch_size))
                batches = {id(c): [make_batch(c, batch_size, length, np.random.default_rng(config.seed + i))
                                   for i in range(passes)] for c in candidates}
                seconds: dict[int, list[float]] = {id(c): [] for c in candidates}
                peak: dict[int, float | None] = {}
                for candidate in candidates:  # warm-up (and peak GPU memory)
                    if candidate.device == "cuda":
                        torch.cuda.reset_peak_memory_stats()
                    timed_pass(candidate, batches[id(candidate)][:1])
                    peak[id(candidate)] = (torch.cuda.max_memory_allocated() / 2**20
                                           if candidate.device == "cuda" else None)
                for _ in range(config.repeats):
                    for candidate in candidates:  # interleaved: drift hits every model alike
                        seconds[id(candidate)].append(timed_pass(candidate, batches[id(candidate)]))
                for candidate in candidates:
                    per_batch = statistics.median(seconds[id(candidate)])
                    rows.append({"model": candidate.name, "backend": candidate.backend, "device": candidate.device,
                                 "seq_length": length, "batch_size": batch_size,
                                 "latency_ms": round(per_batch * 1000, 3),
                                 "throughput": round(batch_size / per_batch, 1),
                                 "peak_gpu_memory_mb": None if peak[id(candidate)] is None else round(peak[id(candidate)], 1)})
        add_ratios(rows, config.teacher)
        memory = {}
        if config.cpu_memory and not torch.cuda.is_available():
            progress("peak memory, one fresh process per model")
            memory = cpu_peak_memory(candidates, max(config.batch_sizes), max(config.seq_lengths))
        models = [{"model": c.name, "backend": c.backend, **c.parameters,
                   "size_mb": None if c.size_bytes is None else round(c.size_bytes / 2**20, 2),
                   "peak_cpu_memory_mb": memory.get((c.name, c.backend))} for c in candidates]
    return {"models": models, "rows": rows, "teacher": config.teacher, "torch_threads": torch.get_num_threads(),
            "device": "cuda" if torch.cuda.is_available() else "cpu", "config": config.to_dict()}


def add_ratios(rows: list[dict[str, Any]], teacher: str | None) -> None:
    """speedup_vs_teacher = throughput / the teacher's (PyTorch) throughput at the same length and batch."""
    reference = {(row["seq_length"], row["batch_size"]): row["throughput"] for row in rows
                 if teacher is not None and row["model"] == teacher and row["backend"] == "torch"}
    for row in rows:
        base = reference.get((row["seq_length"], row["batch_size"]))
        row["speedup_vs_teacher"] = round(row["throughput"] / base, 2) if base else None


def markdown(result: dict[str, Any]) -> str:
    lines = ["| model | backend | parameters | size (MB) | peak CPU memory (MB) |", "|---|---|---|---|---|"]
    for model in result["models"]:
        memory = model.get("peak_cpu_memory_mb")
        lines.append(f"| {model['model']} | {model['backend']} | {model['parameters']:,} | {model['size_mb'] or '–'} | "
                     f"{'–' if memory is None else memory} |")
    lines += ["", "| model | backend | length | batch | latency (ms/batch) | throughput (ex/s) | vs teacher |",
              "|---|---|---|---|---|---|---|"]
    for row in result["rows"]:
        ratio = f"{row['speedup_vs_teacher']:.2f}x" if row["speedup_vs_teacher"] else "–"
        lines.append(f"| {row['model']} | {row['backend']} | {row['seq_length']} | {row['batch_size']} | "
                     f"{row['latency_ms']:.2f} | {row['throughput']:.1f} | {ratio} |")
    return "\n".join(lines) + "\n"
