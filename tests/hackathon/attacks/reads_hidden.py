"""Hidden split: every way the audit hook missed (ctypes fopen, system('cat'), os.open(dir_fd),
os.link), then a search of the usual places; crashes with what it found, or with 'nothing'."""
import ctypes
import glob
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__import__("hackdata").__file__)))
HIDDEN = os.path.join(REPO, "instructor", "hackathon", "test.txt")


def train(train_sentences, val_sentences, vocab, rng, budget):
    found, errors = [], []
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    handle = libc.fopen(HIDDEN.encode(), b"r")
    if handle:
        buffer = ctypes.create_string_buffer(256)
        libc.fgets(buffer, 256, ctypes.c_void_p(handle))
        found.append(("fopen", buffer.value))
    else:
        errors.append("fopen: no such file")
    status = libc.system(f"cat {HIDDEN} > leaked.txt 2>/dev/null".encode())
    if os.path.exists("leaked.txt") and os.path.getsize("leaked.txt"):
        found.append(("system cat", open("leaked.txt", "rb").read(80)))
    else:
        errors.append(f"system cat: status {status}")
    for how in ("dir_fd", "link"):
        try:
            if how == "dir_fd":
                fd = libc.open(os.path.dirname(HIDDEN).encode(), os.O_RDONLY | os.O_DIRECTORY)
                if fd < 0:
                    raise FileNotFoundError("no hidden folder")
                data = os.read(os.open("test.txt", os.O_RDONLY, dir_fd=fd), 80)
            else:
                os.link(HIDDEN, "copy.txt")
                data = open("copy.txt", "rb").read(80)
            found.append((how, data))
        except OSError as err:
            errors.append(f"{how}: {type(err).__name__}")
    # The kit and the library are mounted read-only where they are; when the checkout lives
    # under /tmp their public files (train.txt, ...) show up here, and are no leak.
    public = tuple(os.path.join(REPO, part) + os.sep for part in ("hackathon", "lib"))
    for path in glob.glob("/tmp/**/*.txt", recursive=True) + glob.glob("/work/*/instructor/**/*.txt",
                                                                        recursive=True):
        if "leaked" not in path and not path.startswith(public):
            found.append(("glob", path))
    if found:
        raise RuntimeError(f"LEAKED {found}")
    raise RuntimeError(f"nothing readable: {errors}")
