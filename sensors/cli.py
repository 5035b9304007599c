"""``domicare sensors``: detect, evaluate and replay recordings from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from domicare.errors import CommandError
from domicare.progress import Progress
from sensors.adapters.replay.recording import Recording, RecordingFormat

FORMATS = [fmt.value for fmt in RecordingFormat]


def _load(args: argparse.Namespace) -> Recording:
    from sensors.adapters.replay.activations import RecordingFormatError
    from sensors.adapters.replay.recording import load_recording

    try:
        recording = load_recording(Path(args.path), args.format)
    except (RecordingFormatError, OSError) as exc:
        raise CommandError(str(exc)) from None
    if not recording.events:
        raise CommandError(f"{args.path}: the recording holds no events")
    return recording


def detect_command(args: argparse.Namespace) -> int:
    """Replay a recording through the detectors and print one JSON line per alert."""
    from sensors.evaluation.replay import detect

    recording = _load(args)
    for alert in detect(recording.home, recording.events):
        sys.stdout.write(json.dumps(alert.to_line()) + "\n")
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    """Inject anomalies into a recording and print per-home figures with 95 % intervals as JSON."""
    from sensors.evaluation.harness import evaluate

    if args.inject < 1:
        raise CommandError("--inject must be at least 1")
    if args.resamples < 0 or args.weeks < 1:
        raise CommandError("--resamples must be 0 or more and --weeks at least 1")
    recording = _load(args)
    with Progress("sensors evaluate", unit="replays") as progress:
        report: dict[str, Any] = evaluate(recording, args.inject, args.seed, warmup_days=args.warmup_days,
                                          resamples=args.resamples, weeks=args.weeks,
                                          progress=lambda done, total: progress.update(done, total=total))
    print(json.dumps(report, indent=2))
    return 0


def replay_command(args: argparse.Namespace) -> int:
    """Print a recording's normalised events as JSON lines, paced at ``--speed`` times real time."""
    import msgspec

    from sensors.adapters.replay.recording import ReplayAdapter

    recording = _load(args)
    encoder = msgspec.json.Encoder()

    def emit(event: Any) -> None:
        sys.stdout.write(encoder.encode(event).decode() + "\n")
        sys.stdout.flush()

    try:
        ReplayAdapter(recording.events, args.format, speed=args.speed).start(emit)
    except BrokenPipeError:
        # The reader (``| head``) has seen enough; that is not an error.
        sys.stderr.close()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``sensors`` command and its subcommands to the ``domicare`` parser."""
    parser = subparsers.add_parser("sensors", help="home sensor recordings: detect, evaluate, replay")
    commands = parser.add_subparsers(dest="sensors_command", metavar="SUBCOMMAND", required=True)

    def recording_parser(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("path", metavar="PATH", help="recording file (or the Kasteren folder)")
        sub.add_argument("--format", required=True, choices=FORMATS, help="recording format")
        return sub

    detect = recording_parser("detect", "replay through the detectors; one JSON line per alert")
    detect.set_defaults(handler=detect_command)

    evaluate = recording_parser("evaluate", "inject anomalies and score the detectors (online, "
                                            "leave-one-day-out, re-sampled weeks)")
    evaluate.add_argument("--inject", type=int, default=20, metavar="N", help="anomalies of each kind (default 20)")
    evaluate.add_argument("--seed", type=int, default=0, metavar="S", help="random seed for placements")
    evaluate.add_argument("--warmup-days", type=int, default=7, help="days before the first injection (default 7)")
    evaluate.add_argument("--resamples", type=int, default=20, metavar="N",
                          help="re-sampled recordings of the same home (default 20; 0 skips them)")
    evaluate.add_argument("--weeks", type=int, default=4, metavar="W", help="length of each re-sampled recording")
    evaluate.set_defaults(handler=evaluate_command)

    replay = recording_parser("replay", "print normalised events as JSON lines")
    replay.add_argument("--speed", type=float, default=0.0,
                        help="times real time (e.g. 3600 = an hour a second); 0 = as fast as possible")
    replay.set_defaults(handler=replay_command)
