"""One trained assistant for the whole session (lexical model: ~0.5 s; no embedding, which needs ~1,300
texts embedded the first time). The embedding path has its own small tests (test_intent.py)."""

import pytest

from kefu.assistant import engine


@pytest.fixture(scope="session")
def trained():
    built = engine.build(use_embeddings=False)
    engine.install(built)
    yield built
    engine.install(None)


@pytest.fixture(autouse=True)
def _assistant(trained):
    engine.install(trained)
    return trained
