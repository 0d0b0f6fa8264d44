"""ModelConfig: the typed config.json of a Tessera model, its validation and named presets.

The TypeScript loader (src/engine/model/config.ts) applies the same rules with the same
messages; docs/model-format.md is the written contract.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

FORMAT = "tessera-dit"
VERSION = 1
WORD = re.compile(r"^[a-z]+$")
MODEL_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ConfigError(ValueError):
    """A config.json problem; `field` is the JSON path that is wrong (e.g. `patch[1]`)."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field


@dataclass(frozen=True)
class AutoencoderConfig:
    latent_channels: int
    hidden: Tuple[int, ...]
    groups: int
    latent_scale: float


@dataclass(frozen=True)
class TextConfig:
    vocabulary: Tuple[str, ...]
    max_tokens: int


@dataclass(frozen=True)
class ContextConfig:
    max_frames: int


@dataclass(frozen=True)
class ScheduleConfig:
    shift: float
    default_steps: int
    supported_steps: Tuple[int, ...]


@dataclass(frozen=True)
class GuidanceConfig:
    default: float


@dataclass(frozen=True)
class OnnxConfig:
    """The folder's model.onnx (the denoiser for onnxruntime), verified like the weights."""
    sha256: str


@dataclass(frozen=True)
class ModelConfig:
    format: str
    version: int
    id: str
    name: str
    description: str
    frames: int
    height: int
    width: int
    channels: int
    fps: int
    autoencoder: Optional[AutoencoderConfig]
    patch: Tuple[int, int, int]
    dim: int
    depth: int
    heads: int
    mlp_ratio: int
    text: TextConfig
    context: ContextConfig
    objective: str
    schedule: ScheduleConfig
    guidance: GuidanceConfig
    teacher: Optional[str]
    dtype: str
    sha256: str
    license: str
    training_data: str
    # Optional: absent from config.json when the folder ships no model.onnx.
    onnx: Optional[OnnxConfig] = None

    # ---- derived (never stored) ----
    @property
    def head_dim(self) -> int:
        return self.dim // self.heads

    @property
    def downsample(self) -> int:
        return 2 ** len(self.autoencoder.hidden) if self.autoencoder else 1

    @property
    def latent_channels(self) -> int:
        """C: channels the DiT denoises (latent channels, or pixel channels without an AE)."""
        return self.autoencoder.latent_channels if self.autoencoder else self.channels

    @property
    def latent_shape(self) -> Tuple[int, int, int, int]:
        """(C, T, H, W) of one latent clip."""
        return (self.latent_channels, self.frames, self.height // self.downsample,
                self.width // self.downsample)

    @property
    def grid(self) -> Tuple[int, int, int]:
        """Token grid (T/pt, H/ph, W/pw) over the latent."""
        _, t, h, w = self.latent_shape
        pt, ph, pw = self.patch
        return (t // pt, h // ph, w // pw)

    @property
    def tokens(self) -> int:
        gt, gh, gw = self.grid
        return gt * gh * gw

    @property
    def in_channels(self) -> int:
        """x_t, plus the context latent and its mask when continuation is enabled."""
        c = self.latent_channels
        return c + (c + 1 if self.context.max_frames > 0 else 0)

    @property
    def out_channels(self) -> int:
        return self.latent_channels

    @property
    def patch_dim(self) -> int:
        pt, ph, pw = self.patch
        return pt * ph * pw * self.out_channels

    @property
    def mlp_hidden(self) -> int:
        return self.dim * self.mlp_ratio

    @property
    def vocab_size(self) -> int:
        """Embedding rows: <pad>, <null>, then the vocabulary."""
        return len(self.text.vocabulary) + 2

    # ---- JSON ----
    @staticmethod
    def from_json(source: Any, require_sha256: bool = True) -> "ModelConfig":
        """Parse and validate a config (a dict or JSON text); raises ConfigError naming the field."""
        obj = json.loads(source) if isinstance(source, (str, bytes)) else source
        return _parse(obj, require_sha256)

    def to_json(self) -> Dict[str, Any]:
        out = asdict(self)
        out["patch"] = list(self.patch)
        if self.autoencoder:
            out["autoencoder"]["hidden"] = list(self.autoencoder.hidden)
        out["text"]["vocabulary"] = list(self.text.vocabulary)
        out["schedule"]["supported_steps"] = list(self.schedule.supported_steps)
        if self.onnx is None:
            del out["onnx"]
        return out

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    def replace(self, **changes: Any) -> "ModelConfig":
        obj = self.to_json()
        obj.update(changes)
        return ModelConfig.from_json(obj, require_sha256=bool(obj["sha256"]))


# ---------------------------------------------------------------------------------------------
# Field readers: each names its JSON path in the error.

def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _object(value: Any, path: str, fields: Tuple[str, ...],
            optional: Tuple[str, ...] = ()) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(path, "must be an object")
    unknown = [k for k in value if k not in fields and k not in optional]
    if unknown:
        names = ", ".join(_join(path, k) for k in unknown)
        raise ConfigError(path, f"unknown field{'s' if len(unknown) > 1 else ''} {names}")
    missing = [k for k in fields if k not in value]
    if missing:
        names = ", ".join(_join(path, k) for k in missing)
        raise ConfigError(path, f"missing field{'s' if len(missing) > 1 else ''} {names}")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(path, f"must be a finite number, got {json.dumps(value)}")
    return float(value)


def _int(value: Any, path: str, minimum: int = 1) -> int:
    number = _number(value, path)
    if not float(number).is_integer():
        raise ConfigError(path, f"must be an integer, got {json.dumps(value)}")
    if number < minimum:
        kind = "positive" if minimum == 1 else f">= {minimum}"
        raise ConfigError(path, f"must be a {kind} integer, got {json.dumps(value)}")
    return int(number)


def _string(value: Any, path: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise ConfigError(path, f"must be a string, got {json.dumps(value)}")
    if not allow_empty and not value:
        raise ConfigError(path, "must not be empty")
    return value


def _literal(value: Any, path: str, allowed: Tuple[Any, ...]) -> Any:
    if isinstance(value, bool) or value not in allowed:
        options = " or ".join(json.dumps(a) for a in allowed)
        raise ConfigError(path, f"must be {options}, got {json.dumps(value)}")
    return value


def _list(value: Any, path: str, item: Callable[[Any, str], Any], length: Optional[int] = None,
          allow_empty: bool = False) -> Tuple[Any, ...]:
    if not isinstance(value, list):
        raise ConfigError(path, f"must be a list, got {json.dumps(value)}")
    if length is not None and len(value) != length:
        raise ConfigError(path, f"must have {length} entries, got {len(value)}")
    if not allow_empty and not value:
        raise ConfigError(path, "must not be empty")
    return tuple(item(v, f"{path}[{i}]") for i, v in enumerate(value))


TOP_FIELDS = ("format", "version", "id", "name", "description", "frames", "height", "width",
              "channels", "fps", "autoencoder", "patch", "dim", "depth", "heads", "mlp_ratio",
              "text", "context", "objective", "schedule", "guidance", "teacher", "dtype", "sha256",
              "license", "training_data")
OPTIONAL_FIELDS = ("onnx",)


def _parse(obj: Any, require_sha256: bool) -> ModelConfig:
    o = _object(obj, "", TOP_FIELDS, OPTIONAL_FIELDS)
    _literal(o["format"], "format", (FORMAT,))
    _literal(o["version"], "version", (VERSION,))
    model_id = _string(o["id"], "id")
    if not MODEL_ID.match(model_id):
        raise ConfigError("id", f"{json.dumps(model_id)} must match [a-z0-9][a-z0-9._-]* "
                                "(it names the model folder)")
    sha = _string(o["sha256"], "sha256", allow_empty=not require_sha256)
    if sha and not SHA256.match(sha):
        raise ConfigError("sha256", "must be 64 lowercase hex digits")

    autoencoder = None
    if o["autoencoder"] is not None:
        a = _object(o["autoencoder"], "autoencoder",
                    ("latent_channels", "hidden", "groups", "latent_scale"))
        autoencoder = AutoencoderConfig(
            latent_channels=_int(a["latent_channels"], "autoencoder.latent_channels"),
            hidden=_list(a["hidden"], "autoencoder.hidden", _int),
            groups=_int(a["groups"], "autoencoder.groups"),
            latent_scale=_number(a["latent_scale"], "autoencoder.latent_scale"))
        if autoencoder.latent_scale <= 0:
            raise ConfigError("autoencoder.latent_scale", "must be positive")

    t = _object(o["text"], "text", ("vocabulary", "max_tokens"))
    s = _object(o["schedule"], "schedule", ("shift", "default_steps", "supported_steps"))
    g = _object(o["guidance"], "guidance", ("default",))
    c = _object(o["context"], "context", ("max_frames",))
    teacher = None if o["teacher"] is None else _string(o["teacher"], "teacher")
    onnx = None
    if o.get("onnx") is not None:
        x = _object(o["onnx"], "onnx", ("sha256",))
        onnx = OnnxConfig(sha256=_string(x["sha256"], "onnx.sha256"))
        if not SHA256.match(onnx.sha256):
            raise ConfigError("onnx.sha256", "must be 64 lowercase hex digits")

    cfg = ModelConfig(
        format=o["format"], version=o["version"], id=model_id,
        name=_string(o["name"], "name"),
        description=_string(o["description"], "description", allow_empty=True),
        frames=_int(o["frames"], "frames"), height=_int(o["height"], "height"),
        width=_int(o["width"], "width"), channels=_int(o["channels"], "channels"),
        fps=_int(o["fps"], "fps"), autoencoder=autoencoder,
        patch=_list(o["patch"], "patch", _int, length=3),
        dim=_int(o["dim"], "dim"), depth=_int(o["depth"], "depth"),
        heads=_int(o["heads"], "heads"), mlp_ratio=_int(o["mlp_ratio"], "mlp_ratio"),
        text=TextConfig(
            vocabulary=_list(t["vocabulary"], "text.vocabulary", _string, allow_empty=True),
            max_tokens=_int(t["max_tokens"], "text.max_tokens")),
        context=ContextConfig(max_frames=_int(c["max_frames"], "context.max_frames", minimum=0)),
        objective=_literal(o["objective"], "objective", ("rectified_flow",)),
        schedule=ScheduleConfig(
            shift=_number(s["shift"], "schedule.shift"),
            default_steps=_int(s["default_steps"], "schedule.default_steps"),
            supported_steps=_list(s["supported_steps"], "schedule.supported_steps", _int)),
        guidance=GuidanceConfig(default=_number(g["default"], "guidance.default")),
        teacher=teacher,
        dtype=_literal(o["dtype"], "dtype", ("float16", "float32")),
        sha256=sha,
        license=_string(o["license"], "license"),
        training_data=_string(o["training_data"], "training_data"),
        onnx=onnx)
    _check_relations(cfg)
    return cfg


def _check_relations(cfg: ModelConfig) -> None:
    """Rules between fields: divisibility, uniqueness, ranges."""
    seen: Dict[str, int] = {}
    for i, word in enumerate(cfg.text.vocabulary):
        path = f"text.vocabulary[{i}]"
        if not WORD.match(word):
            raise ConfigError(path, f"{json.dumps(word)} must be lowercase letters a-z only")
        if word in seen:
            raise ConfigError(path, f"{json.dumps(word)} repeats text.vocabulary[{seen[word]}]")
        seen[word] = i

    ae = cfg.autoencoder
    if ae:
        for i, h in enumerate(ae.hidden):
            if h % ae.groups:
                raise ConfigError("autoencoder.groups",
                                  f"{ae.groups} does not divide autoencoder.hidden[{i}] = {h}")
        for name in ("height", "width"):
            size = getattr(cfg, name)
            if size % cfg.downsample:
                raise ConfigError(name, f"{size} is not divisible by the autoencoder's downsample "
                                        f"factor {cfg.downsample} (2^{len(ae.hidden)})")

    _, lt, lh, lw = cfg.latent_shape
    where = "latent " if ae else ""
    for axis, (p, size, what) in enumerate(zip(cfg.patch, (lt, lh, lw),
                                              ("frames", f"{where}height", f"{where}width"))):
        if size % p:
            raise ConfigError(f"patch[{axis}]", f"{p} does not divide the {what} {size}")

    if cfg.dim % cfg.heads:
        raise ConfigError("heads", f"{cfg.heads} does not divide dim {cfg.dim}")
    if cfg.head_dim % 2:
        raise ConfigError("heads", f"head_dim = dim / heads = {cfg.head_dim} must be even")
    if cfg.dim % 16:
        raise ConfigError("dim", f"{cfg.dim} must be a multiple of 16 (the 3-D sincos position "
                                 "embedding splits it into dim/4, 3*dim/8, 3*dim/8 even parts)")

    if cfg.context.max_frames >= cfg.frames:
        raise ConfigError("context.max_frames",
                          f"{cfg.context.max_frames} must be less than frames {cfg.frames}")

    if cfg.schedule.shift <= 0:
        raise ConfigError("schedule.shift", "must be positive")
    steps = cfg.schedule.supported_steps
    for i, n in enumerate(steps):
        if n in steps[:i]:
            raise ConfigError(f"schedule.supported_steps[{i}]", f"{n} is listed twice")
    if cfg.schedule.default_steps not in steps:
        raise ConfigError("schedule.default_steps", f"{cfg.schedule.default_steps} is not in "
                                                    f"schedule.supported_steps {list(steps)}")
    if cfg.guidance.default < 0:
        raise ConfigError("guidance.default", "must be >= 0")


# ---------------------------------------------------------------------------------------------
# Named presets (DiT's `DiT_models` registry). sha256 is empty until a model is exported.

# The world's caption vocabulary (src/world/caption.ts VOCABULARY, sorted): one source of words.
BALLS_VOCABULARY = [
    "and", "ball", "balls", "big", "blue", "cyan", "fast", "gravity", "green", "magenta", "no",
    "one", "red", "slow", "small", "strong", "three", "two", "weak", "white", "yellow",
]

_BASE: Dict[str, Any] = {
    "format": FORMAT, "version": VERSION, "fps": 8, "channels": 3, "mlp_ratio": 4,
    "objective": "rectified_flow", "teacher": None, "sha256": "",
    "license": "Apache-2.0",
}

_PRESETS: Dict[str, Dict[str, Any]] = {
    # Goldens: every axis a different size (T, H, W, grid, channels) so a swapped axis fails.
    "tiny": {
        **_BASE,
        "id": "tiny", "name": "Tiny (test model)",
        "description": "A randomly initialised miniature used for golden activations in tests.",
        "frames": 4, "height": 16, "width": 24,
        "autoencoder": {"latent_channels": 4, "hidden": [8, 16], "groups": 4,
                        "latent_scale": 0.5},
        "patch": [2, 1, 2], "dim": 32, "depth": 2, "heads": 2,
        "text": {"vocabulary": ["red", "green", "blue", "ball", "bounces", "left"],
                 "max_tokens": 6},
        "context": {"max_frames": 2},
        "schedule": {"shift": 2.0, "default_steps": 4, "supported_steps": [1, 2, 4]},
        "guidance": {"default": 2.0},
        "dtype": "float32",
        "training_data": "none (random weights)",
    },
    # The shipping candidate: 16 frames of 32x32 bouncing balls, latent 16x8x8x4, 128 tokens.
    "balls-s": {
        **_BASE,
        "id": "balls-s", "name": "Bouncing balls S",
        "description": "16 frames of 32x32 bouncing balls from a short prompt; continues clips.",
        "frames": 16, "height": 32, "width": 32,
        "autoencoder": {"latent_channels": 4, "hidden": [32, 64], "groups": 8,
                        "latent_scale": 1.0},
        "patch": [2, 2, 2], "dim": 128, "depth": 6, "heads": 4,
        "text": {"vocabulary": BALLS_VOCABULARY, "max_tokens": 16},
        "context": {"max_frames": 2},
        "schedule": {"shift": 1.0, "default_steps": 4, "supported_steps": [1, 2, 4]},
        "guidance": {"default": 2.0},
        "dtype": "float16",
        "training_data": "synthetic bouncing-ball clips rendered by Tessera's world simulator",
    },
}


def preset_names() -> List[str]:
    return list(_PRESETS)


def preset(name: str) -> ModelConfig:
    if name not in _PRESETS:
        raise KeyError(f"unknown preset {name!r}; known: {', '.join(_PRESETS)}")
    return ModelConfig.from_json(copy.deepcopy(_PRESETS[name]), require_sha256=False)
