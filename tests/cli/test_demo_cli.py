"""`make run` on a machine with no display runs `embedscope demo`: it must work on the sample."""
import subprocess
import sys


def test_demo_tours_the_bundled_sample():
    out = subprocess.run([sys.executable, "-m", "embedscope", "demo"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "20,000 words × 50 dimensions" in out.stdout
    assert "OK: words and rows line up" in out.stdout
    neighbours = out.stdout.split("Nearest neighbours of 'frog'")[1].split("Analogy")[0]
    assert "frogs" in neighbours or "toad" in neighbours
    analogy = out.stdout.split("Analogy king - man + woman:")[1].split()[0]
    assert analogy == "queen"


def test_demo_unknown_word_is_a_message_not_a_traceback():
    out = subprocess.run([sys.executable, "-m", "embedscope", "demo", "--word", "qqqzzzx"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "qqqzzzx" in out.stderr and "Traceback" not in out.stderr


def test_a_mistyped_command_is_an_error_not_a_window(capsys):
    from embedscope.cli import main

    assert main(["nieghbours", "frog"]) == 2
    assert "did you mean 'neighbours'" in capsys.readouterr().err
    assert main(["/no/such/file.txt"]) == 2
    assert "no such file" in capsys.readouterr().err
