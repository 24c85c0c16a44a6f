"""Torch-model extractors: wav2vec 2.0 with random (seeded) weights and with a checkpoint the test writes,
batched like one by one, and checkpoints that do not fit named with their mismatches. Nothing is downloaded."""
import os
import pickle

import pytest
import torch

from tasks.features.checkpoints import CheckpointMismatchError
from tasks.features.extract import extract_features
from tasks.features.extractors import Extractor
from tasks.features.model_extractors import ModuleExtractor, Wav2Vec2Features

# A wav2vec 2.0 of a few thousand weights (torchaudio.models.wav2vec2_model's whole architecture).
TINY = dict(extractor_mode="group_norm", extractor_conv_layer_config=[(8, 10, 5)] + [(8, 3, 2)] * 4 + [(8, 2, 2)] * 2,
            extractor_conv_bias=False, encoder_embed_dim=16, encoder_projection_dropout=0.0,
            encoder_pos_conv_kernel=8, encoder_pos_conv_groups=2, encoder_num_layers=2, encoder_num_heads=2,
            encoder_attention_dropout=0.0, encoder_ff_interm_features=32, encoder_ff_interm_dropout=0.0,
            encoder_dropout=0.0, encoder_layer_norm_first=False, encoder_layer_drop=0.0, aux_num_out=None)


def tiny(**kwargs) -> Wav2Vec2Features:
    return Wav2Vec2Features("wav2vec2_model", TINY, device="cpu", **kwargs)


def test_wav2vec2_base_with_random_weights_runs_in_batches_as_it_runs_one_by_one():
    torch.manual_seed(0)
    waves = [torch.randn(1, 16000) * 0.1, torch.randn(1, 16000) * 0.1, torch.randn(1, 8000) * 0.1, torch.randn(1, 200)]
    extractor = Wav2Vec2Features(layers=[6, -1], batch_size=2, device="cpu")
    batched = extractor.extract_batch(waves)
    assert [tuple(f.shape) for f in batched] == [(1536, 49), (1536, 49), (1536, 24), (1536, 1)]
    assert extractor.frame_rate == 50.0 and extractor.min_samples == 400
    again = Wav2Vec2Features(layers=[6, -1], device="cpu")  # another process would build the same weights
    for wave, features in zip(waves, batched):
        torch.testing.assert_close(again(wave), features, atol=1e-4, rtol=1e-4)
    assert extractor.settings() == {"extractor": "Wav2Vec2Features", "format": 1, "model": "wav2vec2_base",
                                    "model_options": {}, "checkpoint": None, "layers": [6, -1],
                                    "combine": "concat", "seed": 0, "sample_rate": 16000}
    assert "_module" not in pickle.loads(pickle.dumps(extractor)).__dict__  # workers receive settings alone


def test_layers_are_counted_from_one_and_combined_as_configured():
    wave = torch.randn(1, 3000) * 0.1
    last, both = tiny(layers=[2])(wave), tiny(layers=[1, -1])(wave)
    assert last.shape == (16, 9) and both.shape == (32, 9)
    torch.testing.assert_close(both[16:], last)
    torch.testing.assert_close(tiny(layers=[1, 2], combine="mean")(wave), (both[:16] + both[16:]) / 2)
    with pytest.raises(ValueError, match=r"^Wav2Vec2Features.layers = \[3\]: wav2vec2_model has 2 transformer layers;"
                                         r" give numbers in 1..2, or -1 for the last.$"):
        tiny(layers=[3])(wave)
    with pytest.raises(ValueError, match=r"^Wav2Vec2Features.model = 'resnet' is no torchaudio.models factory"):
        Wav2Vec2Features("resnet")(wave)


def test_a_checkpoint_the_test_writes_gives_its_weights_and_keys_the_features(tmp_path):
    source = tiny(seed=1)
    path = tmp_path / "w2v.ckpt"
    # A Lightning-style checkpoint: the weights under "state_dict", each key prefixed "model.".
    torch.save({"state_dict": {f"model.{k}": v for k, v in source.module.state_dict().items()}, "epoch": 3}, path)
    wave = torch.randn(1, 4000) * 0.1
    loaded = tiny(checkpoint=str(path))
    torch.testing.assert_close(loaded(wave), source(wave))
    assert not torch.allclose(tiny()(wave), source(wave))  # seed 0's random weights differ
    digest = loaded.settings()["checkpoint_digest"]
    assert tiny(checkpoint=str(path)).settings()["checkpoint_digest"] == digest

    torch.save(tiny(seed=2).module.state_dict(), tmp_path / "new.ckpt")
    os.replace(tmp_path / "new.ckpt", path)  # the same name, other weights: other features
    assert tiny(checkpoint=str(path)).settings()["checkpoint_digest"] != digest


def test_a_checkpoint_that_does_not_fit_names_the_file_and_every_mismatch(tmp_path):
    path = tmp_path / "other.pt"
    weights = Wav2Vec2Features("wav2vec2_model", {**TINY, "encoder_embed_dim": 24}).module.state_dict()
    del weights["encoder.transformer.layers.1.final_layer_norm.bias"]
    weights["aux.weight"] = torch.zeros(3)
    torch.save(weights, path)
    with pytest.raises(CheckpointMismatchError) as raised:
        tiny(checkpoint=str(path))(torch.zeros(1, 4000))
    message = str(raised.value)
    assert message == (
        f"Checkpoint {path} does not fit Wav2Vec2Features(model='wav2vec2_model'): 1 of the model's 50 weights is"
        " missing from it (encoder.transformer.layers.1.final_layer_norm.bias); 1 weight the model lacks"
        " (aux.weight); 35 shapes differ (encoder.feature_projection.projection.weight: checkpoint (24, 8), model"
        " (16, 8), encoder.feature_projection.projection.bias: checkpoint (24,), model (16,),"
        " encoder.transformer.pos_conv_embed.conv.bias: checkpoint (24,), model (16,), ...). It holds another"
        " architecture's weights: check the model and its options, or the file.")

    (tmp_path / "notes.pt").write_text("not weights")
    with pytest.raises(CheckpointMismatchError, match=r"^Checkpoint .*notes.pt cannot be read as torch weights \("):
        tiny(checkpoint=str(tmp_path / "notes.pt"))(torch.zeros(1, 4000))
    with pytest.raises(FileNotFoundError, match=r"^Checkpoint .*missing.pt does not exist: set Wav2Vec2Features"):
        tiny(checkpoint=str(tmp_path / "missing.pt")).settings()


class FrameStats(ModuleExtractor):
    """A user's own torch model as an extractor: a 1-D convolution over 10 ms frames."""

    def __init__(self, channels: int = 4, checkpoint: str | None = None, sample_rate: int = 16000):
        self.channels, self.checkpoint, self.sample_rate = channels, checkpoint, sample_rate

    @property
    def frame_rate(self) -> float:
        return self.sample_rate / 160

    def build_module(self) -> torch.nn.Module:
        return torch.nn.Conv1d(1, self.channels, kernel_size=400, stride=160)

    def run_module(self, module: torch.nn.Module, batch: torch.Tensor) -> torch.Tensor:
        return module(batch[:, None, :])  # (B, 1, T) -> (B, channels, frames)


def test_a_users_own_module_extractor_goes_through_extract_features(state, read_small_synthetic, tmp_path):
    from tasks.datasets.load import load_dataset

    load_dataset(state, [read_small_synthetic])
    extractor = FrameStats()
    assert isinstance(extractor, Extractor) and extractor.batch_size == 8
    extract_features(state, extractor=extractor, cache_dir=str(tmp_path / "features"), n_jobs=0, progress=False)
    features = state["features"]
    assert features.feature_dim == 4 and features.frame_rate == 100.0 and len(features) == 60


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_auto_device_runs_on_the_gpu_and_agrees_with_the_cpu():
    waves = [torch.randn(1, 4000) * 0.1 for _ in range(3)]
    on_gpu = Wav2Vec2Features("wav2vec2_model", TINY)  # device="auto"
    assert on_gpu.module is not None and next(on_gpu.module.parameters()).device.type == "cuda"
    for gpu, cpu in zip(on_gpu.extract_batch(waves), tiny().extract_batch(waves)):
        assert gpu.device.type == "cpu"  # results come back to the CPU, for the store
        torch.testing.assert_close(gpu, cpu, atol=1e-3, rtol=1e-3)
