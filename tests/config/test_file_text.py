"""`ginpipe.config.text.file_text`: a config file's text, or an error naming the file and the line."""
import pytest

from ginpipe.config.text.file_text import read_config_text
from ginpipe.errors import ConfigError, Where


def test_a_bom_and_windows_line_ends_are_fine(tmp_path):
    (tmp_path / "c.gin").write_bytes(b"\xef\xbb\xbfa.b = 1\r\nc.d = 2\r")
    assert read_config_text(tmp_path / "c.gin") == "a.b = 1\nc.d = 2\n"


def test_latin1_bytes_name_their_line_and_the_fix(tmp_path):
    (tmp_path / "c.gin").write_bytes(b"a.b = 1\nname = 'caf\xe9'\n")
    with pytest.raises(ConfigError) as caught:
        read_config_text(tmp_path / "c.gin")
    assert caught.value.message == (f"Config file {tmp_path / 'c.gin'} is not UTF-8 text: byte 0xe9 at line 2"
                                    " cannot be decoded.")
    assert caught.value.where == Where(str(tmp_path / "c.gin"), 2, "name = 'caf\ufffd'")
    assert caught.value.hint == "Save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)."


def test_a_binary_file_and_a_folder_are_refused(tmp_path):
    (tmp_path / "model.pt").write_bytes(b"PK\n\x00\x01")
    with pytest.raises(ConfigError) as caught:
        read_config_text(tmp_path / "model.pt")
    assert caught.value.message == (f"Config file {tmp_path / 'model.pt'} is not text (it holds NUL bytes, as a"
                                    " binary file does).")
    assert caught.value.where == Where(str(tmp_path / "model.pt"), 2)
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "base.gin").write_text("")
    with pytest.raises(ConfigError) as caught:
        read_config_text(tmp_path / "configs", what="Template file")
    assert str(caught.value) == (f"Template file {tmp_path / 'configs'} is a folder, not a file.\n"
                                 f"Pass the .gin files in it, e.g. {tmp_path / 'configs' / 'base.gin'}.")
