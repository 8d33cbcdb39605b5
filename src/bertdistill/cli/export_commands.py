"""`export onnx` (a student for serving), `export sentence-transformers` (a general student for
`SentenceTransformer(path)`), `benchmark` (speed and size beside the teacher), `report`."""

from __future__ import annotations

import argparse

from bertdistill.cli.common import RAW, check_output, positive_int
from bertdistill.cli.config_flags import add_config_arguments, bounded, config_from_arguments, part_given

EXPORT_EXAMPLES = """examples:
  bertdistill export onnx --model runs/kd-sst2 --output exported/kd-sst2.onnx --quantize int8
  # a general student: the graph returns its sentence vector (serve it with onnxruntime + tokenizers)
  bertdistill export onnx --model runs/general-bilstm --output exported/general-bilstm.onnx
  # also score fp32 PyTorch, fp32 ONNX and int8 ONNX on the dev set
  bertdistill export onnx --model runs/kd-sst2 --output exported/kd-sst2.onnx --quantize int8 \\
      --task sst2 --data-dir ../shared/data/glue
"""

SENTENCE_TRANSFORMERS_EXAMPLES = """examples:
  # a general student saved before its folder held modules.json
  bertdistill export sentence-transformers --model runs/general-bilstm --output exported/general-bilstm-st
  # or add the files in place
  bertdistill export sentence-transformers --model runs/general-bilstm --output runs/general-bilstm
"""

REPORT_EXAMPLES = """examples:
  # the README's table and plot from the committed result files
  bertdistill report --results results --output docs/results.md --plot results/quality_speed.png
  # rows straight from run folders, with speed measured against the teacher, kept as a result file
  bertdistill report --run runs/sst2/kd-aug --run runs/sst2/sra-kd-aug --teacher-run runs/teacher-sst2 --speed \\
      --json results/kd_sst2.json --output results/kd_sst2.md --no-plot
"""

BENCHMARK_EXAMPLES = """examples:
  bertdistill benchmark runs/kd-sst2 runs/sra-kd-sst2 --teacher runs/teacher-sst2
  bertdistill benchmark runs/kd-sst2 --teacher runs/teacher-sst2 --backend all --batch-sizes 1,32 \\
      --seq-lengths 64 --json results/benchmark.json
"""


def run_export_onnx(args: argparse.Namespace) -> None:
    from bertdistill.errors import ConfigError
    from bertdistill.export.onnx import backend_metrics, export_onnx
    from bertdistill.io import atomic_write_json
    from bertdistill.model_config import resolve_max_length
    from bertdistill.teachers.loading import load_config, task_spec_of

    check_output(args.output, "--output")
    scored = part_given(args, "data")
    spec = task_spec_of(load_config(args.model))
    if scored and spec is None:
        raise ConfigError(f"--task / --dev-file score a fine-tuned model; {args.model} has no task (a general "
                          "student exports as a sentence encoder: leave them out)")
    if scored:   # the dev data is read and checked before anything is exported
        from bertdistill.evaluation.evaluate import labelled_splits

        split, dataset = next(iter(labelled_splits(args.model, spec, config_from_arguments(args, "data"), "dev").items()))
    record = export_onnx(args.model, args.output, quantize=args.quantize, tolerance=args.tolerance,
                         max_length=resolve_max_length(args.max_length))
    print(f"wrote {record['onnx']} ({record['size_bytes'] / 2**20:.1f} MB); max |ONNX - PyTorch| = "
          f"{record['max_abs_difference']:.2e}")
    if "int8" in record:
        print(f"wrote {record['int8']} ({record['int8_size_bytes'] / 2**20:.1f} MB); max |int8 - PyTorch| = "
              f"{record['int8_max_abs_difference']:.2e}")
    if scored:
        record.update(backend_metrics(args.model, record, split, dataset, args.max_length))
        for name, values in record["metrics"].items():
            scores = "  ".join(f"{key}={value:.4f}" for key, value in values.items())
            print(f"{record['task']} {split} {name}: {scores}")
    atomic_write_json(str(args.output) + ".json", {**record, "command": args.command_line})


def run_export_sentence_transformers(args: argparse.Namespace) -> None:
    from bertdistill.export.sentence_transformers_folder import export_sentence_transformers
    from bertdistill.io import check_output_folder

    check_output_folder(args.output, "--output")
    output = export_sentence_transformers(args.model, args.output)
    print(f"wrote {output}: SentenceTransformer({str(output)!r}) loads it (for a BiLSTM, after `import bertdistill`)")


def run_benchmark(args: argparse.Namespace) -> None:
    from bertdistill.evaluation.benchmark import benchmark, markdown
    from bertdistill.io import atomic_write_json

    check_output(args.json, "--json")
    config = config_from_arguments(args, given={"models": args.models})
    result = benchmark(config, progress=lambda message: print(f"... {message}", flush=True))
    print(markdown(result))
    if args.json:
        atomic_write_json(args.json, {**result, "command": args.command_line})
        print(f"wrote {args.json}")


def run_report(args: argparse.Namespace) -> None:
    from pathlib import Path

    from bertdistill.evaluation.report import write_report
    from bertdistill.evaluation.run_results import entries_from_runs
    from bertdistill.io import atomic_write_json

    check_output(args.json, "--json")
    check_output(args.output, "--output")
    if args.plot and not args.no_plot:
        check_output(args.plot, "--plot")
    if args.table == "runs":
        return run_runs_table(args)
    results = args.results or (None if args.run else "results")   # with --run: committed results only if asked
    collected = (entries_from_runs(args.run, args.teacher_run, args.speed, args.repeats, args.label)
                 if args.run else None)
    extra = collected["entries"] if collected else None
    plot = None if args.no_plot else (args.plot or str(Path(results or ".") / "quality_speed.png"))
    print(write_report(results, args.output, plot, extra, markers=args.markers))
    if args.json and collected:
        atomic_write_json(args.json, {**collected, "command": args.command_line})
    print(f"wrote {args.output}" + (f" and {plot}" if plot else "") + (f" and {args.json}" if args.json else ""))


def run_runs_table(args: argparse.Namespace) -> None:
    """`--table runs`: the runs' own table (e.g. the teachers'), spliced between --markers or a new file."""
    from pathlib import Path

    from bertdistill.errors import ConfigError
    from bertdistill.evaluation.run_results import read_metrics
    from bertdistill.evaluation.run_table import kept, runs_table
    from bertdistill.evaluation.sections import current_text, place_section
    from bertdistill.io import atomic_write_json

    if not args.run:
        raise ConfigError("--table runs lists run folders: give them with --run")
    records = [read_metrics(Path(run)) for run in args.run]
    output = Path(args.output)
    current = current_text(output, args.markers)
    table = runs_table(records)
    place_section(output, table, args.markers, current)
    if args.json:
        atomic_write_json(args.json, [kept(record) for record in records])
    print(table)


def register(commands: argparse._SubParsersAction) -> None:
    register_export(commands)
    register_benchmark(commands)
    register_report(commands)


def register_export(commands: argparse._SubParsersAction) -> None:
    from bertdistill.data.loading import DataConfig
    from bertdistill.export.onnx import PARITY_TOLERANCE

    export = commands.add_parser("export", help="export a student for serving (ONNX) or for sentence-transformers")
    formats = export.add_subparsers(dest="format", required=True, metavar="FORMAT")
    onnx = formats.add_parser("onnx", help="ONNX (fp32, optionally int8), with a parity check against PyTorch",
                              epilog=EXPORT_EXAMPLES, formatter_class=RAW)
    onnx.add_argument("--model", required=True, help="a folder written by finetune or distill")
    onnx.add_argument("--output", required=True, help="the .onnx file (int8: <name>.int8.onnx beside it)")
    onnx.add_argument("--quantize", choices=["int8"], help="also write a dynamically quantised int8 model")
    onnx.add_argument("--tolerance", type=bounded(float, {"above": 0}), default=PARITY_TOLERANCE,
                      help=f"max |ONNX - PyTorch| on sample inputs (default: {PARITY_TOLERANCE:g})")
    onnx.add_argument("--max-length", type=positive_int, help="default: the length the model was trained with")
    add_config_arguments(onnx, DataConfig, part="data", recipes=False, skip=("max_length", "max_train_samples"),
                         titles={"run": "dev-set scoring (the model's GLUE task, or custom files)"})
    onnx.set_defaults(handler=run_export_onnx)
    st = formats.add_parser("sentence-transformers", help="a general student folder that SentenceTransformer(path) "
                            "loads", epilog=SENTENCE_TRANSFORMERS_EXAMPLES, formatter_class=RAW)
    st.add_argument("--model", required=True, help="a general student folder (distill sra)")
    st.add_argument("--output", required=True, help="a new (or empty) folder, or the --model folder itself")
    st.set_defaults(handler=run_export_sentence_transformers)


def register_benchmark(commands: argparse._SubParsersAction) -> None:
    from bertdistill.evaluation.benchmark import BenchmarkConfig

    bench = commands.add_parser("benchmark", help="speed and size beside the teacher (and BERT-base)",
                                epilog=BENCHMARK_EXAMPLES, formatter_class=RAW)
    bench.add_argument("models", nargs="+", metavar="MODEL", help="fine-tuned model folders")
    add_config_arguments(bench, BenchmarkConfig, skip=("models",), recipes=False, titles={"run": "measurement"})
    bench.add_argument("--json", help="write the full results here")
    bench.set_defaults(handler=run_benchmark)


def register_report(commands: argparse._SubParsersAction) -> None:
    from bertdistill.evaluation.benchmark import BenchmarkConfig

    report = commands.add_parser("report", help="one table (method x task) and a quality/speed plot from result "
                                 "files and run folders", epilog=REPORT_EXAMPLES, formatter_class=RAW)
    report.add_argument("--results", help="folder of result JSON files with `entries` (default: results, unless "
                        "--run is given)")
    report.add_argument("--run", action="append", default=[], metavar="DIR",
                        help="a finished run folder (finetune, distill kd, distill tinybert): one row each "
                        "(repeatable)")
    report.add_argument("--label", action="append", default=[], metavar="TEXT",
                        help="the name of each --run in the table, in order (default: the folder's name)")
    report.add_argument("--teacher-run", action="append", default=[], metavar="DIR",
                        help="a teacher's fine-tuning run folder (one per task, repeatable): its score for runs of "
                        "that task that did not measure the teacher, and the reference of --speed")
    report.add_argument("--speed", action="store_true", help="measure the runs' speed-up over the teacher with "
                        "`bertdistill benchmark` (PyTorch, batch 32, 64 word pieces)")
    report.add_argument("--repeats", type=positive_int, default=BenchmarkConfig.repeats,
                        help=f"benchmark repeats for --speed (default: {BenchmarkConfig.repeats})")
    report.add_argument("--json", help="also write the run folders' rows as a result file (for --results later)")
    report.add_argument("--output", default="docs/results.md",
                        help="a file with <!-- report:start --> and <!-- report:end --> markers (the table goes "
                        "between them), or a new markdown file; an existing file without the markers is refused")
    report.add_argument("--table", choices=["compare", "runs"], default="compare",
                        help="compare: students against their teachers (the default); runs: a table of the --run "
                        "folders themselves (dev metrics, examples, epochs, steps, time), e.g. the teachers")
    report.add_argument("--markers", default="report",
                        help="write between <!-- NAME:start --> and <!-- NAME:end --> (default: report)")
    report.add_argument("--plot", help="PNG of quality against speed-up (default: RESULTS/quality_speed.png)")
    report.add_argument("--no-plot", action="store_true", help="the table only")
    report.set_defaults(handler=run_report)
