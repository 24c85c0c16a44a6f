"""The same-file finder looks only at project files: an environment inside the project is a library."""
import sys
from pathlib import Path

from ginpipe.module_identity import SameFileFinder


def test_files_of_an_environment_inside_the_project_are_not_project_files(tmp_path):
    # The repository's own layout: `.venv/` lies in the project root. Treating its thousands of
    # modules as project files made every library import scan sys.modules (minutes for torch).
    finder = SameFileFinder(Path(sys.prefix).parent)
    import gin  # installed in the environment, i.e. under sys.prefix
    library_file = Path(gin.__file__)
    assert library_file.is_relative_to(Path(sys.prefix).parent)
    assert not finder._is_project_file(str(library_file))
    project_file = Path(sys.prefix).parent / "tasks" / "steps.py"
    assert finder._is_project_file(str(project_file))
