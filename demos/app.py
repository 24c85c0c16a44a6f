"""Gradio demo of a trained experiment: upload or record audio, see what the model hears.

    ginpipe-demo experiments/<project>/<name>            (or: python demos/app.py experiments/...)
    ginpipe-demo experiments/<project>/<name> --host 0.0.0.0 --port 7860

Loads only the experiment's `model/` bundle (written by `export_model`): no pipeline is rerun and
no pickle is loaded. Serves on 127.0.0.1 unless `--host` says otherwise, never makes a public share
link, and sends no analytics.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python demos/app.py`: make `demos` and `tasks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TITLE = "ginpipe audio classifier"


def build_app(classifier, top_k: int = 10):
    """The Blocks page for a `demos.inference.Classifier`."""
    import gradio as gr

    from demos.inference import AudioInputError
    from demos.rendering import bindings_markdown, experiment_markdown, spectrogram_image

    bundle = classifier.bundle

    def classify(path):
        try:
            result = classifier.classify(path)
        except AudioInputError as error:
            # Shown in place of the results, so an earlier prediction is never mistaken for this one.
            return None, None, f"⚠️ **Could not classify this input.** {error}"
        image = spectrogram_image(result.log_mel, result.seconds_used)
        return result.probabilities, image, "\n\n".join(result.notes)

    with gr.Blocks(title=TITLE) as app:
        gr.Markdown(f"# {TITLE}\nUpload an audio file (any sample rate, any number of channels) or record "
                    "one with the microphone, then press **Classify**.")
        with gr.Row():
            with gr.Column():
                audio = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Audio",
                                 elem_id="audio-input")
                button = gr.Button("Classify", variant="primary", elem_id="classify")
                if bundle.examples:
                    gr.Examples(examples=[[str(p)] for p in bundle.examples], inputs=audio,
                                label="Clips from the test split (click one, then Classify)")
            with gr.Column():
                label = gr.Label(num_top_classes=top_k, label="Class probabilities", elem_id="prediction")
                notes = gr.Markdown(elem_id="notes")
                spectrogram = gr.Image(label="Log-mel spectrogram", type="numpy", interactive=False,
                                       elem_id="spectrogram")
        with gr.Accordion("Experiment", open=True), gr.Row():
            gr.Markdown(experiment_markdown(bundle.summary, str(bundle.folder)), elem_id="summary")
            gr.Markdown(bindings_markdown(bundle.summary), elem_id="bindings")
        button.click(classify, inputs=audio, outputs=[label, spectrogram, notes], api_name="classify")
    return app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ginpipe-demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("experiment", help="experiment folder (or its model/ folder) written by ginpipe")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 in a container)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--top-k", type=int, default=10, help="how many classes to show (default 10)")
    parser.add_argument("--max-seconds", type=float, default=30.0,
                        help="classify at most this much of a recording (default 30 s)")
    parser.add_argument("-q", "--quiet", action="store_true", help="show warnings and errors only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Before gradio is imported: it reads these once.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

    from demos.inference import Classifier
    from tasks.bundle import BundleError, load_model_bundle

    try:
        bundle = load_model_bundle(args.experiment)
    except BundleError as error:
        print(f"ginpipe-demo: {error}", file=sys.stderr)
        return 2
    from ginpipe.io import RunStatus, read_run_state
    status = read_run_state(bundle.folder.parent).status
    if status not in (RunStatus.DONE, RunStatus.UNKNOWN):  # e.g. a --resume with a changed config that failed
        print(f"ginpipe-demo: warning: the experiment's last run is {status}: this model/ comes from an"
              " earlier, finished run, not from its current config.gin.", file=sys.stderr)
    app = build_app(Classifier(bundle, max_seconds=args.max_seconds), top_k=args.top_k)
    examples = [str(bundle.folder / "examples")] if bundle.examples else []
    try:
        # gradio's own lines would tell to `set share=True`, which this demo never does (it serves
        # this machine, or a container's port): the address is printed here instead, unless -q.
        app.launch(server_name=args.host, server_port=args.port, share=False, allowed_paths=examples,
                   show_error=True, quiet=True, prevent_thread_lock=True)
        if not args.quiet:
            print(f"ginpipe-demo: serving {bundle.folder} on http://{args.host}:{args.port} (Ctrl-C stops)",
                  file=sys.stderr, flush=True)
        app.block_thread()
    except OSError as error:  # e.g. the port is taken
        print(f"ginpipe-demo: cannot serve on {args.host}:{args.port}: {error}. Pick another --port.",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
