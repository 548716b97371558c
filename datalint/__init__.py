"""datalint: a linter for LLM fine-tuning datasets."""

from .version import __version__


def lint(*args, **kwargs):
    """Lint files, folders or cached Hugging Face dataset ids and return the Report.

    See :func:`datalint.pipeline.engine.lint` for the arguments.
    """
    from .pipeline.engine import lint as _lint

    return _lint(*args, **kwargs)


__all__ = ["lint", "__version__"]
