# apigend's warm schema worker (shipped inside the apigend binary and run as
# `python -c <this file> <manage.py> <args...>` in spec.cwd).
#
# It imports the heavy, stable modules once (Django, Django REST framework,
# drf-spectacular and what they import, and the settings module, which DRF
# and drf-spectacular read at import time), then serves one request per line
# on stdin: fork a child that runs manage.py in-process with the request's
# argv and working directory, exactly as `python manage.py ...` would, and
# answer one JSON line on the original stdout with the child's wait status,
# stdout and stderr.
#
# What is never imported here: the project's own code. django.setup() is
# NOT called, because it imports every INSTALLED_APPS entry and its models;
# the child calls it (through manage.py) and so imports the project fresh on
# every run: an edit is always seen and no module is stale. Library modules
# that need the app registry (contrib models, for instance) fail to import
# here and are simply left to the child.
#
# Lifetime: the worker runs in its own process group with its children. When
# stdin reaches end of file (apigend stopped or died), it kills that group,
# so no child outlives it.

import gc
import json
import os
import select
import signal
import sys
import tempfile

# Largest output kept per stream, as for a plain run of the command.
MAX_OUTPUT = 1 << 20

# Imported once, best effort, in this order. A module that fails (missing,
# or needing the app registry) is skipped: the child imports it as a plain
# run would.
PRELOAD = [
    "django",
    "django.conf",
    "django.core.management",
    "django.core.management.base",
    "django.core.checks",
    "django.core.validators",
    "django.db",
    "django.db.models",
    "django.db.models.functions",
    "django.db.migrations",
    "django.http",
    "django.urls",
    "django.forms",
    "django.template",
    "django.views.generic",
    "django.contrib.auth",
    "django.contrib.auth.base_user",
    "django.contrib.auth.hashers",
    "django.contrib.contenttypes.fields",
    "django.middleware.csrf",
    "rest_framework",
    "rest_framework.fields",
    "rest_framework.serializers",
    "rest_framework.relations",
    "rest_framework.views",
    "rest_framework.generics",
    "rest_framework.viewsets",
    "rest_framework.mixins",
    "rest_framework.routers",
    "rest_framework.decorators",
    "rest_framework.permissions",
    "rest_framework.authentication",
    "rest_framework.pagination",
    "rest_framework.filters",
    "rest_framework.parsers",
    "rest_framework.renderers",
    "rest_framework.response",
    "rest_framework.schemas",
    "rest_framework.schemas.openapi",
    "drf_spectacular",
    "drf_spectacular.settings",
    "drf_spectacular.plumbing",
    "drf_spectacular.types",
    "drf_spectacular.utils",
    "drf_spectacular.extensions",
    "drf_spectacular.openapi",
    "drf_spectacular.generators",
    "drf_spectacular.renderers",
    "drf_spectacular.validation",
    "drf_spectacular.views",
    "drf_spectacular.management.commands.spectacular",
    "yaml",
]


def settings_module(script, args):
    """The settings module manage.py would use: the environment, then
    --settings, then manage.py's os.environ.setdefault(...) literal."""
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return os.environ["DJANGO_SETTINGS_MODULE"]
    for i, a in enumerate(args):
        if a.startswith("--settings="):
            return a.split("=", 1)[1]
        if a == "--settings" and i + 1 < len(args):
            return args[i + 1]
    try:
        import ast

        with open(script, "rb") as f:
            tree = ast.parse(f.read())
    except Exception:
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) == 2
            and all(isinstance(a, ast.Constant) for a in node.args)
            and node.args[0].value == "DJANGO_SETTINGS_MODULE"
            and isinstance(node.args[1].value, str)
        ):
            return node.args[1].value
    return None


def preload(script, args):
    """Imports what is stable; returns (files to watch, skipped modules)."""
    skipped = []
    watch = []
    settings = settings_module(script, args)
    if settings:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings
        try:
            import importlib.util

            spec = importlib.util.find_spec(settings)
            if spec is not None and spec.origin:
                watch.append(spec.origin)
        except Exception:
            pass
        names = [settings] + PRELOAD
    else:
        names = PRELOAD
    for name in names:
        try:
            __import__(name)
        except BaseException as e:  # noqa: BLE001 - any failure means "leave it to the child"
            skipped.append("%s (%s)" % (name, type(e).__name__))
    # Anything imported so far may be stale if its file changes: apigend
    # restarts the worker when one of these moves.
    for m in list(sys.modules.values()):
        f = getattr(m, "__file__", None)
        if isinstance(f, str):
            watch.append(f)
    watch.append(sys.executable)
    try:
        import site

        watch.extend(site.getsitepackages())
    except Exception:
        pass
    watch.append(os.path.join(sys.prefix, "pyvenv.cfg"))
    here = os.path.dirname(os.path.abspath(script))
    for d in sorted({os.getcwd(), here}):
        for f in (
            "requirements.txt",
            "requirements-dev.txt",
            "pyproject.toml",
            "poetry.lock",
            "Pipfile.lock",
            "uv.lock",
            "pdm.lock",
        ):
            watch.append(os.path.join(d, f))
    return sorted({os.path.abspath(w) for w in watch}), skipped


def exit_code(e):
    """What the interpreter does with an uncaught SystemExit."""
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def library_dirs():
    """Where installed (not project) modules live: the standard library and
    site-packages. A virtualenv inside the project is still a library."""
    import site
    import sysconfig

    dirs = [sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    try:
        dirs += site.getsitepackages() + [site.getusersitepackages()]
    except Exception:
        pass
    return tuple(os.path.join(os.path.realpath(d), "") for d in dirs if d)


def learned(before, libs):
    """Library modules the child imported that the worker has not: the
    worker imports them after the run, so the next child finds them."""
    names = []
    for name, m in list(sys.modules.items()):
        f = getattr(m, "__file__", None)
        if name in before or name.startswith("__") or not isinstance(f, str):
            continue
        if os.path.realpath(f).startswith(libs):
            names.append(name)
    return names


def learn(names):
    """Imports what the last child learnt, best effort; returns the new
    files to watch. A module that needs the app registry fails here and is
    left to the children. Never the project's code: only library names
    reach this, and if one of them populated the app registry anyway (a
    library calling django.setup() at import), the worker is stale and
    says so."""
    files = []
    for name in names:
        if name in sys.modules:
            continue
        try:
            __import__(name)
        except BaseException:  # noqa: BLE001 - leave it to the child
            continue
        f = getattr(sys.modules.get(name), "__file__", None)
        if isinstance(f, str):
            files.append(os.path.abspath(f))
    try:
        from django.apps import apps

        if apps.apps_ready:
            return files, True
    except Exception:
        pass
    return files, False


def run_child(script, argv, cwd, out, err, learnt, private):
    """In the forked child: run manage.py as `python manage.py ...` would.
    Never returns."""
    code = 1
    try:
        before = set(sys.modules)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        # Only 0, 1 and 2 stay open, as in a plain run.
        for fd in private:
            try:
                os.close(fd)
            except OSError:
                pass
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        gc.unfreeze()
        os.chdir(cwd)
        sys.argv = list(argv[1:])
        import runpy

        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as e:
            code = exit_code(e)
        except BaseException as e:
            # Print the traceback as the interpreter would, without this
            # bootstrap's and runpy's frames in front of the script's.
            tb = e.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename != script:
                tb = tb.tb_next
            if tb is not None:
                # The display reads the traceback from the exception.
                e.__traceback__ = tb
            sys.excepthook(type(e), e, e.__traceback__)
            code = 1
        try:
            import atexit

            atexit._run_exitfuncs()
        except BaseException:
            pass
        for s in (sys.stdout, sys.stderr):
            try:
                s.flush()
            except BaseException:
                pass
        try:
            learnt.write("\n".join(learned(before, LIBS)).encode())
            learnt.flush()
        except BaseException:
            pass
    finally:
        os._exit(code)


def read_capped(f):
    f.seek(0)
    data = f.read(MAX_OUTPUT)
    return data.decode("utf-8", "replace")


def wait_child(pid, stdin_fd):
    """Waits for the child; returns its raw wait status, or None when stdin
    closed meanwhile (apigend is gone)."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    while True:
        fds = [stdin_fd] + ([pidfd] if pidfd is not None else [])
        ready, _, _ = select.select(fds, [], [], 0.005 if pidfd is None else None)
        if stdin_fd in ready:
            # A request is only sent after the answer to the previous one,
            # so anything readable now is end of file.
            if not os.read(stdin_fd, 1):
                return None
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if pidfd is not None:
                os.close(pidfd)
            return status


def main():
    script = os.path.abspath(sys.argv[1])
    args = sys.argv[2:]
    # The protocol owns the original stdout; anything printed by imported
    # code goes to stderr instead of corrupting it.
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    # As `python manage.py` sets it: the script's directory first.
    sys.path[0] = os.path.dirname(os.path.realpath(script))
    watch, skipped = preload(script, args)
    global LIBS
    LIBS = library_dirs()
    # Frozen objects are never scanned by the collector, so the children do
    # not copy the preloaded heap page by page when a collection runs.
    gc.collect()
    gc.freeze()
    proto.write(json.dumps({"ready": True, "pid": os.getpid(), "watch": watch, "skipped": skipped}) + "\n")
    stdin_fd = sys.stdin.fileno()
    reader = os.fdopen(os.dup(stdin_fd), "r")
    new_files = []
    while True:
        line = reader.readline()
        if not line:
            break
        req = json.loads(line)
        out = tempfile.TemporaryFile()
        err = tempfile.TemporaryFile()
        learnt = tempfile.TemporaryFile()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            private = [proto.fileno(), reader.fileno(), out.fileno(), err.fileno()]
            run_child(script, req["argv"], req["cwd"], out, err, learnt, private)
        status = wait_child(pid, stdin_fd)
        if status is None:
            break
        answer = {
            "status": status,
            "stdout": read_capped(out),
            "stderr": read_capped(err),
            "watch": new_files,
        }
        out.close()
        err.close()
        proto.write(json.dumps(answer) + "\n")
        # Off the clock: the answer is out, the next save is seconds away.
        learnt.seek(0)
        names = learnt.read().decode("utf-8", "replace").split()
        learnt.close()
        new_files, stale = learn(names)
        if stale:
            break
    # apigend is gone (or this worker is stale): take every child along.
    os.killpg(0, signal.SIGKILL)


main()
