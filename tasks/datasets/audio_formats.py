"""Which file suffixes the audio backend decodes: what `read_folder` keeps, and why it leaves files out.

Audio is decoded by soundfile (libsndfile) everywhere in this project: header probing, feature
extraction, the demo. A folder reader that keeps a narrower list than the decoder silently loses data
(a user's `.mp3` clips, 16 % of their dataset, once did), so the default list is derived from the
formats this libsndfile build reports, and every file left out is counted with its reason.
"""
from __future__ import annotations

import functools
from collections import Counter
from typing import Iterable

import soundfile as sf

# libsndfile's major formats -> the suffixes files of that format carry. Formats whose usual suffix is
# shared with non-audio files (MAT4/MAT5 `.mat`) or that have no header to check (RAW) are left out.
_FORMAT_SUFFIXES = {
    "WAV": (".wav",), "WAVEX": (".wav",), "FLAC": (".flac",), "OGG": (".ogg", ".oga", ".opus"),
    "MP3": (".mp3",), "AIFF": (".aiff", ".aif", ".aifc"), "AU": (".au", ".snd"), "CAF": (".caf",),
    "W64": (".w64",), "RF64": (".rf64",), "NIST": (".sph", ".nist"), "IRCAM": (".sf",), "VOC": (".voc",),
    "HTK": (".htk",), "SVX": (".iff", ".svx"), "PAF": (".paf",), "PVF": (".pvf",), "SD2": (".sd2",),
    "XI": (".xi",), "AVR": (".avr",), "SDS": (".sds",),
}

# Audio that libsndfile cannot decode: worth a warning with a fix, unlike a README or a CSV next to the clips.
OTHER_AUDIO_SUFFIXES = frozenset({".m4a", ".aac", ".wma", ".mp4", ".webm", ".amr", ".ape", ".wv", ".mka",
                                  ".mp2", ".ac3", ".3gp", ".mid", ".midi"})


@functools.lru_cache(maxsize=1)
def decodable_suffixes() -> tuple[str, ...]:
    """The lower-case suffixes of every format this soundfile/libsndfile build decodes.

    Example:
        >>> {".wav", ".flac", ".ogg", ".mp3"} <= set(decodable_suffixes())  # libsndfile >= 1.1
        True
    """
    available = sf.available_formats()
    return tuple(sorted({s for name, suffixes in _FORMAT_SUFFIXES.items() if name in available
                         for s in suffixes}))


def left_out_reasons(suffixes: Iterable[str], wanted: set[str]) -> Counter:
    """`{reason: count}` for files whose (lower-case) suffix is not in `wanted`."""
    decodable = set(decodable_suffixes())
    reasons: Counter = Counter()
    for suffix in suffixes:
        if suffix in decodable:
            reasons[f"{suffix or 'no suffix'} (not in read_folder.extensions)"] += 1
        elif suffix in OTHER_AUDIO_SUFFIXES:
            reasons[f"{suffix} (audio soundfile cannot decode)"] += 1
        else:
            reasons[f"{suffix or 'no suffix'} (not audio)"] += 1
    return reasons
