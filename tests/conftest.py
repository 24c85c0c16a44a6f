"""Fixtures shared by every test: gin's global config is cleared after each test."""
import gin
import pytest


@pytest.fixture(autouse=True)
def _clear_gin():
    yield
    gin.clear_config()
