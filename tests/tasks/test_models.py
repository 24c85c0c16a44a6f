import pytest
import torch
from torch import nn

from tasks.models.cnn1d import CNN1D
from tasks.models.masking import masked_mean
from tasks.models.mlp import MLP
from tasks.models.resnet import Resnet


def _weight_layers(model: nn.Module) -> int:
    """Convolutions and linear layers, not counting 1x1 shortcut projections (ResNet convention)."""
    return sum(1 for m in model.modules()
               if isinstance(m, nn.Linear) or (isinstance(m, nn.Conv2d) and m.kernel_size != (1, 1)))


@pytest.mark.parametrize("n_layers", [4, 6, 10, 20, 32])
def test_resnet_depth_follows_n_layers(n_layers):
    assert _weight_layers(Resnet(num_classes=5, input_dim=16, n_layers=n_layers)) == n_layers


def test_resnet_rejects_impossible_depths():
    with pytest.raises(ValueError, match=r"Resnet.n_layers must be even and at least 4 .* got 7"):
        Resnet(num_classes=5, input_dim=16, n_layers=7)


def test_resnet_width_and_dropout():
    model = Resnet(num_classes=3, input_dim=16, n_layers=6, width=8, dropout=0.3)
    assert model.stem[0].out_channels == 8 and model.dropout.p == 0.3
    assert model.hparams.n_layers == 6 and model.hparams.num_classes == 3


@pytest.mark.parametrize("make, dim, short, long", [
    (lambda: Resnet(num_classes=4, input_dim=16, n_layers=10), 16, 37, 64),
    (lambda: CNN1D(num_classes=4, input_dim=1, n_layers=5), 1, 3001, 4000),
    (lambda: MLP(num_classes=4, input_dim=16), 16, 37, 64),
])
def test_padding_never_changes_a_prediction(make, dim, short, long):
    torch.manual_seed(0)
    model = make().eval()
    x = torch.randn(1, dim, short)
    alone = model(x, torch.tensor([short]))
    batch = torch.randn(2, dim, long) * 5  # padding region filled with garbage, then zeroed below
    batch[0, :, :short], batch[0, :, short:] = x[0], 0
    padded = model(batch, torch.tensor([short, long]))
    torch.testing.assert_close(padded[0], alone[0], atol=1e-5, rtol=1e-4)


def test_masked_mean_ignores_padding():
    x = torch.tensor([[[1.0, 3.0, 100.0, 100.0]]])
    assert masked_mean(x, torch.tensor([2])).item() == 2.0


def test_optimizer_scheduler_loss_and_metrics_are_configurable():
    import functools

    from torchmetrics.classification import MulticlassAccuracy

    model = MLP(num_classes=3, input_dim=4, optimizer=functools.partial(torch.optim.SGD, lr=0.5),
                lr_scheduler=functools.partial(torch.optim.lr_scheduler.StepLR, step_size=1),
                loss_fn=nn.CrossEntropyLoss(label_smoothing=0.1),
                metrics={"acc": functools.partial(MulticlassAccuracy, average="macro")})
    config = model.configure_optimizers()
    assert isinstance(config["optimizer"], torch.optim.SGD) and config["optimizer"].defaults["lr"] == 0.5
    assert isinstance(config["lr_scheduler"]["scheduler"], torch.optim.lr_scheduler.StepLR)
    assert list(model.val_metrics.keys()) == ["val_acc"]
    assert "optimizer" not in model.hparams  # code, not hyper-parameters, stays out of checkpoints
