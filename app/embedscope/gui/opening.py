"""Opening an embedding file or model folder from the window: the questions it may raise (its
words file, which tensor, whether to trust a pickle), the load in the background, the retry
after an answer.

File > Open, File > Open folder and the compare dock's "Open B…" all go through a
`FileOpener`, with the same `Questions`, so a source opens the same way wherever it is asked for.
`reopen_with` opens the same file again with another words file or tensor, the user's choice
after opening.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from ..core.errors import EmbeddingFormatError, EmbedscopeError, PickleRefusedError
from ..io.checkpoint import list_tensors
from ..io.model_folder import folder_tensors
from ..io.numpy_files import vocab_candidates
from ..io.registry import detect_format, open_file_filter

# Formats that hold only the matrix: without a words file beside them, the user is asked.
MATRIX_ONLY = ("npy", "safetensors", "torch")


def folder_of(emb) -> str:
    """Where an Open dialog starts: the folder of the open embedding's file, if it has one."""
    return str(Path(emb.source.path).parent) if emb is not None and emb.source.path else ""


def tensor_choices(path) -> list[str]:
    """Names of the 2-D floating-point tensors of a safetensors file, PyTorch checkpoint or
    model folder (else none)."""
    try:
        tensors = folder_tensors(path) if Path(path).is_dir() else list_tensors(path)
    except Exception:  # noqa: BLE001 - not a checkpoint, or unreadable: no choice
        return []
    return [t.name for t in tensors if len(t.shape) == 2 and t.is_float]


class Questions:
    """What opening a file may ask the user, as dialogs over `parent` (tests replace these
    methods so nothing blocks)."""

    def __init__(self, parent):
        self.parent = parent

    def file_to_open(self, title: str, start: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, title, start, open_file_filter())
        return path or None

    def folder_to_open(self, title: str, start: str) -> str | None:
        path = QFileDialog.getExistingDirectory(self.parent, title, start)
        return path or None

    def show_error(self, title: str, text: str):
        QMessageBox.warning(self.parent, title, text)

    def ask_trust_pickle(self, path: str) -> bool:
        answer = QMessageBox.question(
            self.parent, "Load a Python pickle?",
            f"{Path(path).name} is a gensim file saved with Python's pickle.\n\n"
            "Loading a pickle runs code stored in the file. Only go on if you trust where "
            "it came from.", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def ask_words_file(self, path: str) -> str | None:
        QMessageBox.information(
            self.parent, "Which words?",
            f"{Path(path).name} holds only the matrix. Choose the file with its words "
            "(one per line, in row order).")
        name, _ = QFileDialog.getOpenFileName(self.parent, "Words file", str(Path(path).parent),
                                              "Words (*.txt *.tsv *.json *.vocab);;All (*)")
        return name or None

    def ask_tensor(self, path: str, names: list[str], current: str | None = None) -> str | None:
        first = names.index(current) if current in names else 0
        name, ok = QInputDialog.getItem(self.parent, "Which tensor?",
                                        f"{Path(path).name} holds several matrices. "
                                        "Which one is the word embedding?", names, first, False)
        return name if ok else None

    def pick_words_file(self, path: str, candidates: list[str]) -> str | None:
        """Which of several words files beside a matrix goes with it (the first is the one a
        name match prefers); "Another file…" opens a file dialog."""
        other = "Another file…"
        names = [Path(c).name for c in candidates] + [other]
        name, ok = QInputDialog.getItem(
            self.parent, "Which words file?",
            f"Several words files lie beside {Path(path).name}. Which one lists its words, "
            "in row order?", names, 0, False)
        if not ok:
            return None
        if name == other:
            return self.choose_words_file(path, None)
        return candidates[names.index(name)]

    def choose_words_file(self, path: str, current: str | None) -> str | None:
        """Another words file for an open matrix (starting in its folder)."""
        start = current or str(Path(path).parent)
        name, _ = QFileDialog.getOpenFileName(self.parent, f"Words file for {Path(path).name}",
                                              start, "Words (*.txt *.tsv *.json *.vocab);;All (*)")
        return name or None


class FileOpener(QObject):
    """Opens embedding files through one JobRunner: asks first what the file cannot tell, loads
    it with `load` off the UI thread, and after a refused pickle or an ambiguous checkpoint asks
    and tries again. Nothing the caller shows changes until `opened`.

    `as_what` names the role of the file in messages ("B": "x.npy could not be opened as B")."""

    loading = Signal(str)       # the path, each time a load starts (a retry included)
    opened = Signal(object)     # the Embedding
    failed = Signal(str, str)   # the file's name, and the message the user was shown
    declined = Signal()         # the user answered a question with no: nothing is opened

    def __init__(self, runner, questions: Questions, load, as_what: str = "",
                 error_title: str = "Could not open the file"):
        super().__init__(runner)
        self.runner = runner
        self.questions = questions
        self.load = load  # load(path, vocab=, tensor=, trust_pickle=, progress=, should_stop=)
        self.as_what = as_what
        self.error_title = error_title
        self._pending = None  # the arguments of the load in flight, to retry after a question
        runner.finished.connect(self._loaded)
        runner.failed.connect(self._failed)
        runner.cancelled.connect(self._cancelled)

    def open(self, path, vocab=None, tensor=None, trust_pickle=False, ask=True):
        """Start loading `path` in the background; `ask=False` skips the questions asked before
        loading (the words file of a bare matrix)."""
        path = str(path)
        if ask and vocab is None:
            vocab = self._words_file_if_needed(path)
            if vocab is False:
                self.declined.emit()
                return
        self._pending = dict(path=path, vocab=vocab, tensor=tensor, trust_pickle=trust_pickle)
        self.loading.emit(path)
        name = Path(path).name
        self.runner.start(self.load, path, vocab=vocab, tensor=tensor, trust_pickle=trust_pickle,
                          label=f"opening {name}" + (f" as {self.as_what}" if self.as_what else ""))

    def reopen_with(self, emb, what: str) -> bool:
        """Open `emb`'s file again with another words file (`what` = "words file") or tensor
        ("tensor"), chosen by the user; False when there is nothing to choose or the user chose
        nothing."""
        src = emb.source
        if not src.path:
            return False
        vocab, tensor = src.vocab_path if src.vocab_given else None, src.tensor
        if what == "words file":
            vocab = self.questions.choose_words_file(src.path, src.vocab_path)
            if not vocab:
                return False
        elif what == "tensor":
            names = tensor_choices(src.path)
            if len(names) < 2:
                return False
            tensor = self.questions.ask_tensor(src.path, names, src.tensor)
            if not tensor:
                return False
        else:
            raise ValueError(f"nothing called {what!r} to choose")
        self.open(src.path, vocab=vocab, tensor=tensor, ask=False)
        return True

    def _words_file_if_needed(self, path: str):
        """The words file to load a bare matrix with: None when the file needs none or has one
        beside it, the user's choice otherwise, False when the user chose none."""
        if Path(path).is_dir():
            return None  # a model folder finds its tokenizer itself
        try:
            rd = detect_format(path)
        except (EmbedscopeError, OSError):
            return None  # the load reports the problem with its own words
        if rd.name not in MATRIX_ONLY:
            return None
        candidates = [str(c) for c in vocab_candidates(Path(path))]
        if not candidates:
            return self.questions.ask_words_file(path) or False
        if len(candidates) > 1:  # taking the first silently could pair the wrong list
            return self.questions.pick_words_file(path, candidates) or False
        return None  # the one found by name; the status bar and the Check panel say so

    def _loaded(self, emb):
        self._pending = None
        self.opened.emit(emb)

    def _cancelled(self):
        self._pending = None

    def _retry(self, pending, **changes):
        self.open(**{**pending, **changes}, ask=False)

    def _failed(self, exc):
        pending, self._pending = self._pending, None
        if pending is not None:
            path = pending["path"]
            if isinstance(exc, PickleRefusedError) and not pending["trust_pickle"]:
                if self.questions.ask_trust_pickle(path):
                    self._retry(pending, trust_pickle=True)
                else:
                    self.declined.emit()
                return
            if isinstance(exc, EmbeddingFormatError) and pending["tensor"] is None:
                # a model folder's reader names the tensors that could be its table; a
                # checkpoint file lists its matrices
                names = (getattr(exc, "candidates", None) or [] if Path(path).is_dir()
                         else tensor_choices(path))
                if len(names) > 1:  # the reader could not tell which matrix holds the words
                    tensor = self.questions.ask_tensor(path, names)
                    if tensor:
                        self._retry(pending, tensor=tensor)
                    else:
                        self.declined.emit()
                    return
        name = Path(pending["path"]).name if pending else "the file"
        role = f" as {self.as_what}" if self.as_what else ""
        if isinstance(exc, (EmbedscopeError, OSError)):
            text = f"{name} could not be opened{role}:\n\n{exc}"
        else:  # a bug, not the user's doing: say so plainly, keep the details at hand
            text = (f"{name} could not be opened{role} because of an internal error:\n\n"
                    f"{type(exc).__name__}: {exc}")
        self.failed.emit(name, text)
        self.questions.show_error(self.error_title, text)
